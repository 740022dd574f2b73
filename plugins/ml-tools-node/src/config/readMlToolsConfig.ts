import type { Config } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { InputError } from '@backstage/errors';
import { z } from 'zod';
import { dnsLabelRegex } from '../lib/names';
import {
  DEFAULT_GROUPS,
  groupsSchema,
  namespaceRefusal,
  namespacesSchema,
  type MlToolsGroupsConfig,
} from './policy';

/**
 * One target cluster, as configured under `mlTools.clusters`.
 *
 * @public
 */
export interface MlToolsClusterConfig {
  readonly name: string;
  readonly url?: string;
  readonly authProvider: 'serviceAccount' | 'kubeconfig' | 'inCluster';
  readonly serviceAccountToken?: string;
  readonly kubeconfigPath?: string;
  readonly kubeconfig?: string;
  readonly kubeconfigContext?: string;
  readonly caData?: string;
  readonly caFile?: string;
  /** False unless explicitly turned off in config. */
  readonly skipTLSVerify: boolean;
  readonly requestTimeoutMs: number;
}

/**
 * The Keycloak server, as configured under `mlTools.keycloak`.
 *
 * @public
 */
export interface MlToolsKeycloakConfig {
  readonly baseUrl: string;
  readonly realm: string;
  readonly authRealm: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly consoleBaseUrl: string;
  readonly requestTimeoutMs: number;
}

/**
 * A named Helm chart repository.
 *
 * @public
 */
export interface MlToolsChartRepository {
  readonly name: string;
  readonly url: string;
  /** `oci` for `oci://` URLs, `default` otherwise. */
  readonly type: 'default' | 'oci';
}

/**
 * How releases are deployed, as configured under `mlTools.deploy`.
 *
 * @public
 */
export interface MlToolsDeployConfig {
  readonly driver: 'flux' | 'argocd';
  readonly chartRepositories: readonly MlToolsChartRepository[];
  readonly flux: { readonly interval: string };
  readonly argocd: {
    readonly namespace: string;
    readonly project: string;
    readonly destinationServer: string;
  };
  readonly readyTimeoutSeconds: number;
  readonly pollIntervalMs: number;
  /** Checking values against each pinned chart's schema before the first write. */
  readonly preflight: MlToolsPreflightConfig;
}

/**
 * The chart preflight, as configured under `mlTools.deploy.preflight`.
 *
 * @public
 */
export interface MlToolsPreflightConfig {
  /** True unless explicitly turned off in config. */
  readonly enabled: boolean;
  /** Budget for fetching one chart (index and package), in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * The whole `mlTools` config block, parsed, checked and frozen.
 *
 * @public
 */
export interface MlToolsConfig {
  readonly clusters: readonly MlToolsClusterConfig[];
  readonly keycloak: MlToolsKeycloakConfig;
  readonly deploy: MlToolsDeployConfig;
  readonly namespaces: {
    readonly allowed: readonly string[];
    /** Namespaces the portal itself uses, never targeted (default `ml-tools`). */
    readonly denied: readonly string[];
  };
  /** Domains instance hosts may live under; the base domain only by default. */
  readonly allowedDomains: readonly string[];
  /** Bounds of the groups mapped to tools' roles. */
  readonly groups: MlToolsGroupsConfig;
  readonly pullSecret?: {
    readonly namespace: string;
    readonly name: string;
    readonly targetName: string;
  };
  readonly baseDomain: string;
  readonly ingressScheme: 'https' | 'http';
  /**
   * Settings of each tool, by blueprint id (`mlTools.tools.<id>`), as written in config:
   * checked against the blueprint's `settings` schema when the backend starts
   * ({@link checkToolSettings}) and given to its functions as `ctx.settings`.
   */
  readonly tools: Readonly<Record<string, JsonObject>>;
}

const urlString = z
  .string()
  .refine(v => URL.canParse(v), { message: 'must be an absolute URL' });

const clusterSchema = z
  .object({
    name: z
      .string()
      .regex(dnsLabelRegex, 'must be a DNS-1123 label (a-z, 0-9, -)'),
    url: urlString.optional(),
    authProvider: z.enum(['serviceAccount', 'kubeconfig', 'inCluster']),
    serviceAccountToken: z.string().min(1).optional(),
    kubeconfigPath: z.string().min(1).optional(),
    kubeconfig: z.string().min(1).optional(),
    kubeconfigContext: z.string().min(1).optional(),
    caData: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    skipTLSVerify: z.boolean().default(false),
    requestTimeoutMs: z.number().int().positive().default(30_000),
  })
  .superRefine((c, ctx) => {
    if (c.authProvider === 'serviceAccount') {
      if (!c.url) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'is required when authProvider is serviceAccount',
        });
      }
      if (!c.serviceAccountToken) {
        ctx.addIssue({
          code: 'custom',
          path: ['serviceAccountToken'],
          message: 'is required when authProvider is serviceAccount',
        });
      }
    }
    if (
      c.authProvider === 'kubeconfig' &&
      !c.kubeconfig === !c.kubeconfigPath
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['kubeconfigPath'],
        message:
          'exactly one of kubeconfig or kubeconfigPath is required when authProvider is kubeconfig',
      });
    }
  });

const configSchema = z
  .object({
    clusters: z.array(clusterSchema).min(1, 'must list at least one cluster'),
    keycloak: z.object({
      baseUrl: urlString,
      realm: z.string().min(1),
      authRealm: z.string().min(1).optional(),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      consoleBaseUrl: urlString.optional(),
      requestTimeoutMs: z.number().int().positive().default(30_000),
    }),
    deploy: z.object({
      driver: z.enum(['flux', 'argocd']),
      chartRepositories: z
        .array(
          z.object({
            name: z
              .string()
              .regex(dnsLabelRegex, 'must be a DNS-1123 label (a-z, 0-9, -)'),
            url: urlString,
          }),
        )
        .min(1, 'must list at least one chart repository'),
      flux: z
        .object({ interval: z.string().min(1).default('10m') })
        .default({ interval: '10m' }),
      argocd: z
        .object({
          namespace: z.string().regex(dnsLabelRegex).default('argocd'),
          project: z.string().min(1).default('default'),
          destinationServer: urlString.default(
            'https://kubernetes.default.svc',
          ),
        })
        .default({
          namespace: 'argocd',
          project: 'default',
          destinationServer: 'https://kubernetes.default.svc',
        }),
      readyTimeoutSeconds: z.number().int().positive().default(600),
      pollIntervalMs: z.number().int().positive().default(2000),
      preflight: z
        .object({
          enabled: z.boolean().default(true),
          timeoutMs: z.number().int().positive().default(30_000),
        })
        .default({ enabled: true, timeoutMs: 30_000 }),
    }),
    namespaces: namespacesSchema,
    allowedDomains: z
      .array(
        z
          .string()
          .regex(
            /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
            'must be a DNS name',
          ),
      )
      .min(1, 'must list at least one domain')
      .optional(),
    groups: groupsSchema.optional(),
    pullSecret: z
      .object({
        namespace: z.string().regex(dnsLabelRegex),
        name: z.string().min(1),
        targetName: z.string().min(1).optional(),
      })
      .optional(),
    baseDomain: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
        'must be a DNS name',
      ),
    ingressScheme: z.enum(['https', 'http']).default('https'),
    tools: z
      .record(
        z.string().regex(dnsLabelRegex, 'must be a blueprint id'),
        z.record(z.string(), z.unknown(), 'must be an object of settings'),
      )
      .default({}),
  })
  .superRefine((c, ctx) => {
    // Instances without a domain of their own get the base domain: it must be allowed.
    if (c.allowedDomains && !c.allowedDomains.includes(c.baseDomain)) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedDomains'],
        message: `must include baseDomain "${c.baseDomain}"`,
      });
    }
    const seen = new Set<string>();
    c.clusters.forEach((cluster, i) => {
      if (seen.has(cluster.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          message: `duplicates cluster name "${cluster.name}"`,
        });
      }
      seen.add(cluster.name);
    });
  });

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`,
    'mlTools',
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads and checks the `mlTools` config block once, at startup. Throws an InputError
 * naming the offending key (never its value, since some keys hold secrets).
 *
 * @public
 */
export function readMlToolsConfig(config: Config): MlToolsConfig {
  const raw = config.getOptionalConfig('mlTools')?.get();
  if (raw === undefined) {
    throw new InputError('Missing required config value at "mlTools"');
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .map(issue => `${formatPath(issue.path)} ${issue.message}`)
      .join('; ');
    throw new InputError(`Invalid config: ${details}`);
  }
  const c = result.data;
  const parsed: MlToolsConfig = {
    clusters: c.clusters.map(cluster => ({ ...cluster })),
    keycloak: {
      ...c.keycloak,
      baseUrl: c.keycloak.baseUrl.replace(/\/+$/, ''),
      authRealm: c.keycloak.authRealm ?? c.keycloak.realm,
      consoleBaseUrl: (c.keycloak.consoleBaseUrl ?? c.keycloak.baseUrl).replace(
        /\/+$/,
        '',
      ),
    },
    deploy: {
      ...c.deploy,
      chartRepositories: c.deploy.chartRepositories.map(r => ({
        ...r,
        type: r.url.startsWith('oci://') ? 'oci' : 'default',
      })),
    },
    namespaces: c.namespaces,
    allowedDomains: c.allowedDomains ?? [c.baseDomain],
    groups: c.groups ?? DEFAULT_GROUPS,
    pullSecret: c.pullSecret && {
      ...c.pullSecret,
      targetName: c.pullSecret.targetName ?? c.pullSecret.name,
    },
    baseDomain: c.baseDomain,
    ingressScheme: c.ingressScheme,
    tools: c.tools as Record<string, JsonObject>,
  };
  return deepFreeze(parsed);
}

/**
 * True when templates may target the namespace: it matches one of the allowed patterns
 * (`*` matches any run of DNS-label characters) and is neither a system namespace nor
 * one of `mlTools.namespaces.denied`. {@link namespaceRefusal} says why not.
 *
 * @public
 */
export function isNamespaceAllowed(
  config: Pick<MlToolsConfig, 'namespaces'> &
    Partial<Pick<MlToolsConfig, 'deploy'>>,
  namespace: string,
): boolean {
  return namespaceRefusal(config, namespace) === undefined;
}
