import { z } from 'zod';
import { MAIN_COMPONENT } from '../context';
import type { BlueprintContext, ToolBlueprint } from '../types';

const parameters = z.object({
  size: z
    .enum(['1Gi', '4Gi', '16Gi'])
    .default('4Gi')
    .describe('Volume of the cache'),
});

/**
 * Parameters of the feature cache example.
 *
 * @public
 */
export type FeatureCacheParameters = {
  size: '1Gi' | '4Gi' | '16Gi';
};

/** Where applications find the cache: a Service name and the Secret key of its URL. */
function connection(ctx: BlueprintContext<FeatureCacheParameters>) {
  return {
    host: `${ctx.instance.name}-master.${ctx.instance.namespace}.svc`,
    port: '6379',
  };
}

/**
 * A made-up tool: an online feature cache (Redis) a team's services read features from.
 * The "Adding a tool" example of this package's README; not a built-in blueprint.
 *
 * @public
 */
export const featureCacheBlueprint: ToolBlueprint<FeatureCacheParameters> = {
  id: 'feature-cache',
  title: 'Feature cache',
  description: 'A Redis cache of online features, with a generated password.',
  category: 'feature-store',
  icon: 'storage',
  docsUrl: 'https://redis.io/docs/latest/',
  parameters: parameters as z.ZodType<FeatureCacheParameters>,
  secrets: [
    {
      key: 'password',
      description: 'Password of the cache',
      generate: { kind: 'alphanumeric', length: 32 },
    },
    {
      key: 'url',
      description: 'Connection URL for applications, with the password',
      derive: {
        from: ['password'],
        build: ({ password }, ctx) => {
          const { host, port } = connection(
            ctx as BlueprintContext<FeatureCacheParameters>,
          );
          return `redis://:${password}@${host}:${port}/0`;
        },
      },
    },
  ],
  objectKinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: { repository: 'bitnami', chart: 'redis', version: '23.1.1' },
      values: {
        fullnameOverride: ctx.instance.name,
        architecture: 'standalone',
        auth: {
          enabled: true,
          sentinel: false,
          // The password stays in the Secret; the chart reads it from there.
          existingSecret: ctx.secretName,
          existingSecretPasswordKey: 'password',
        },
        master: {
          persistence: { enabled: true, size: ctx.params.size },
          podLabels: ctx.labels,
        },
      },
    },
    {
      type: 'object',
      component: 'connection',
      manifest: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `${ctx.instance.name}-connection`,
          namespace: ctx.instance.namespace,
        },
        data: {
          ...connection(ctx),
          urlSecret: ctx.secretName,
          urlSecretKey: 'url',
        },
      },
    },
  ],
  health: {
    workloads: ctx => [
      { kind: 'StatefulSet', name: `${ctx.instance.name}-master` },
    ],
  },
  links: () => [
    {
      title: 'Redis documentation',
      url: 'https://redis.io/docs/latest/',
      type: 'docs',
    },
  ],
  catalog: {
    backingStores: () => [
      {
        kind: 'database',
        name: 'features',
        description: 'Redis keys of the online features',
      },
    ],
  },
};
