import type { JsonObject } from '@backstage/types';
import { z } from 'zod';
import { MAIN_COMPONENT } from './context';
import type {
  BlueprintBackingStore,
  BlueprintChart,
  BlueprintContext,
  BlueprintRelease,
  BlueprintWorkload,
} from './types';

/**
 * The generic application chart for tools that publish an image but no chart (bjw-s
 * `app-template`, whose templates all come from the bjw-s `common` library).
 *
 * @public
 */
export const APP_TEMPLATE_CHART: BlueprintChart = {
  repository: 'bjw-s',
  chart: 'app-template',
  version: '4.1.1',
};

/**
 * How the values of an app-template release were checked, for blueprints' `valuesCheckedBy`.
 * The chart's `values.schema.json` is a bare `$ref` to the common library's schema by URL,
 * and the library's own schema `$ref`s `schemas/*.json` files that its package leaves out
 * (`.helmignore`): neither the preflight nor the contract data can read them offline.
 *
 * @public
 */
export const APP_TEMPLATE_VALUES_CHECKED_BY =
  'real Helm 4 (`npm run check:charts -- <folder> --blueprint <id>`): `helm template` of app-template 4.1.1 with the common library 4.1.1 from bjw-s-labs/helm-charts, and its values validated against the library schema (schemas/*.json resolved from the same source); Helm and Flux fetch that schema from raw.githubusercontent.com at install time';

const quantity = z
  .string()
  .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'must be a size such as 512Mi, 8Gi or 1Ti');

const dnsSubdomain =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Storage parameters of a tool on app-template: a new volume (size, storage class) or an
 * existing NFS share (server and exported path). Checked together: the NFS fields are
 * required with `nfs` and refused without it.
 *
 * @public
 */
export const appDataStorageShape = {
  storageType: z
    .enum(['volume', 'nfs'])
    .default('volume')
    .describe(
      'Where the data lives: a new persistent volume, or an existing NFS share',
    ),
  storageSize: quantity
    .default('20Gi')
    .describe('Size of the new volume (storageType volume)'),
  storageClass: z
    .string()
    .max(253)
    .regex(dnsSubdomain, 'must be a storage class name such as standard')
    .or(z.literal(''))
    .optional()
    .describe(
      "Storage class of the new volume; the cluster's default class when empty",
    )
    .meta({ examples: ['standard'] }),
  nfsServer: z
    .string()
    .max(253)
    .regex(
      /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/,
      'must be a host name or an IPv4 address',
    )
    .or(z.literal(''))
    .optional()
    .describe('NFS server (storageType nfs)')
    .meta({ examples: ['nfs.example.org'] }),
  nfsPath: z
    .string()
    .max(1024)
    .regex(/^\/[^\s]*$/, 'must be an absolute path such as /exports/vision')
    .or(z.literal(''))
    .optional()
    .describe('Exported path on the NFS server (storageType nfs)')
    .meta({ examples: ['/exports/ml'] }),
};

/**
 * The storage parameters, after defaults.
 *
 * @public
 */
export type AppDataStorage = {
  storageType: 'volume' | 'nfs';
  storageSize: string;
  storageClass?: string;
  nfsServer?: string;
  nfsPath?: string;
};

/**
 * Cross-field rule of {@link appDataStorageShape}, for `superRefine`.
 *
 * @public
 */
export function checkAppDataStorage(
  value: Partial<AppDataStorage>,
  ctx: z.RefinementCtx,
): void {
  const nfs = value.storageType === 'nfs';
  for (const key of ['nfsServer', 'nfsPath'] as const) {
    if (nfs && !value[key]) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'is required when storageType is nfs',
      });
    }
    if (!nfs && value[key]) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'is only taken when storageType is nfs',
      });
    }
  }
  if (nfs && value.storageClass) {
    ctx.addIssue({
      code: 'custom',
      path: ['storageClass'],
      message: 'is only taken when storageType is volume',
    });
  }
}

/**
 * Options of {@link appTemplateRelease}.
 *
 * @public
 */
export interface AppTemplateOptions {
  image: { repository: string; tag: string };
  /** Port the container listens on (HTTP). */
  port: number;
  /** Path in the container where the tool keeps its data. */
  dataPath: string;
  storage: AppDataStorage;
  /** HTTP path answering when the tool is up: the container's probes. */
  healthPath?: string;
  /**
   * Environment of the container, by name: a plain value, or a key of one of the
   * instance's Secrets (never the secret value itself).
   */
  env?: Record<string, string | { secretName: string; key: string }>;
  /** Opens the instance's host on the tool itself; off when a proxy stands in front. */
  ingress?: boolean;
  chart?: BlueprintChart;
}

/**
 * The in-cluster URL of the Service {@link appTemplateRelease} renders.
 *
 * @public
 */
export function appTemplateServiceUrl(
  ctx: BlueprintContext,
  port: number,
): string {
  return `http://${ctx.instance.name}.${ctx.instance.namespace}.svc.cluster.local:${port}`;
}

/**
 * One container of an image on app-template, as the instance's main release: a
 * Deployment and a Service named after the instance, and its data on a new volume
 * (a PersistentVolumeClaim named after the instance, kept by Helm on uninstall so that
 * decommission decides: removed, or kept with the data) or on an existing NFS share
 * (mounted, never created nor removed).
 *
 * @public
 */
export function appTemplateRelease(
  ctx: BlueprintContext,
  options: AppTemplateOptions,
): BlueprintRelease {
  const { storage } = options;
  const env: JsonObject = {};
  for (const [name, value] of Object.entries(options.env ?? {})) {
    env[name] =
      typeof value === 'string'
        ? value
        : {
            valueFrom: {
              secretKeyRef: { name: value.secretName, key: value.key },
            },
          };
  }
  const probe = options.healthPath
    ? {
        enabled: true,
        custom: true,
        spec: {
          httpGet: { path: options.healthPath, port: options.port },
          periodSeconds: 10,
          failureThreshold: 6,
        },
      }
    : undefined;
  const data: JsonObject =
    storage.storageType === 'nfs'
      ? {
          type: 'nfs',
          server: storage.nfsServer!,
          path: storage.nfsPath!,
          globalMounts: [{ path: options.dataPath }],
        }
      : {
          type: 'persistentVolumeClaim',
          accessMode: 'ReadWriteOnce',
          size: storage.storageSize,
          ...(storage.storageClass
            ? { storageClass: storage.storageClass }
            : {}),
          // Helm leaves the claim on uninstall; decommission removes it or keeps it.
          retain: true,
          globalMounts: [{ path: options.dataPath }],
        };
  const values: JsonObject = {
    controllers: {
      main: {
        // Pods only: the chart sets managed-by (Helm) on the objects themselves.
        pod: { labels: ctx.labels },
        containers: {
          main: {
            image: { ...options.image },
            ...(Object.keys(env).length ? { env } : {}),
            ...(probe ? { probes: { liveness: probe, readiness: probe } } : {}),
          },
        },
      },
    },
    service: {
      main: {
        controller: 'main',
        ports: { http: { port: options.port } },
      },
    },
    persistence: { data },
  };
  if (options.ingress) {
    values.ingress = {
      main: {
        hosts: [
          {
            host: ctx.host,
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                service: { identifier: 'main', port: 'http' },
              },
            ],
          },
        ],
        tls: [{ hosts: [ctx.host], secretName: `${ctx.instance.name}-tls` }],
      },
    };
  }
  return {
    type: 'release',
    name: ctx.instance.name,
    component: MAIN_COMPONENT,
    chart: options.chart ?? APP_TEMPLATE_CHART,
    values,
  };
}

/**
 * The workload {@link appTemplateRelease} renders: app-template names a lone
 * controller's Deployment after the release.
 *
 * @public
 */
export function appTemplateWorkload(ctx: BlueprintContext): BlueprintWorkload {
  return { kind: 'Deployment', name: ctx.instance.name };
}

/**
 * The data store of an app-template instance, for the catalog.
 *
 * @public
 */
export function appDataStore(
  ctx: BlueprintContext,
  storage: AppDataStorage,
  what: string,
): BlueprintBackingStore {
  return {
    kind: 'volume',
    name: `${ctx.instance.name}-data`,
    description:
      storage.storageType === 'nfs'
        ? `${what}, on the NFS share ${storage.nfsServer}:${storage.nfsPath} (never removed by decommission).`
        : `${what}, on the volume ${ctx.instance.name} (${storage.storageSize}${
            storage.storageClass ? `, class ${storage.storageClass}` : ''
          }).`,
  };
}
