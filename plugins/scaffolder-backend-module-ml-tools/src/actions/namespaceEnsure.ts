import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlToolsActionOptions } from '../lib/context';
import { makeEnv } from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import {
  assertNamespaceAllowed,
  fields,
  parseInput,
  resolveCluster,
  type Zod,
} from '../lib/inputs';
import { ensureNamespace, ensurePullSecret } from '../lib/kubernetes/namespace';
import { namespaceEnsureExamples } from './namespaceEnsure.examples';

const inputSchema = (z: Zod) =>
  z.object({
    cluster: fields.cluster(z),
    namespace: fields.namespace(z),
  });

/**
 * `ml-tools:namespace:ensure`: creates the namespace (labelled as ours) when missing
 * and copies the configured image pull secret into it. Refuses namespaces outside
 * `mlTools.namespaces.allowed`.
 *
 * @public
 */
export function createNamespaceEnsureAction(options: MlToolsActionOptions) {
  return createTemplateAction({
    id: 'ml-tools:namespace:ensure',
    description:
      'Ensures a namespace exists, labelled as managed by the ML platform, with the image pull secret copied into it',
    examples: namespaceEnsureExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        cluster: z => z.string().describe('The cluster the namespace is on'),
        namespace: z => z.string().describe('The namespace'),
      },
    },
    async handler(ctx) {
      const input = parseInput(inputSchema, ctx.input);
      const cluster = resolveCluster(options.config, input.cluster);
      assertNamespaceAllowed(options.config, input.namespace);
      const env = makeEnv(options, ctx.logger, !!ctx.isDryRun);
      await checkpointed(
        ctx,
        `namespace.${cluster}.${input.namespace}`,
        async () => {
          await ensureNamespace(env, cluster, input.namespace);
          await ensurePullSecret(env, cluster, input.namespace);
        },
      );
      ctx.logger.info(`Namespace ${input.namespace}: ${env.changes.summary()}`);
      ctx.output('cluster', cluster);
      ctx.output('namespace', input.namespace);
    },
  });
}
