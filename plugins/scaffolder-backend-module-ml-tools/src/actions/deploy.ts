import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import { instanceEntityRef } from '@ml-platform/plugin-ml-tools-common';
import {
  buildPartObjects,
  deriveSecretValues,
  type PartObject,
  secretsBySecretName,
  type KcClient,
  type KcClientScope,
} from '@ml-platform/plugin-ml-tools-node';
import {
  makeEnv,
  type InstanceIdentity,
  type MlToolsActionOptions,
  type StepEnv,
} from '../lib/context';
import { forTaskLog, reportIncomplete } from '../lib/failure';
import { findExistingInstance, recordedRoleMappings } from '../lib/instance';
import { checkpointed } from '../lib/checkpoint';
import { requestCatalogRefresh } from '../lib/catalogRefresh';
import {
  assertPreconditions,
  deployInputSchema as inputSchema,
  instanceAnnotations,
  instanceLinks,
  planDeploy,
} from '../lib/deployPlan';
import { parseInput } from '../lib/inputs';
import {
  assertOwnedClient,
  assertOwnedScope,
  audienceScopeName,
} from '../lib/keycloak/ownership';
import { ensureNamespace, ensurePullSecret } from '../lib/kubernetes/namespace';
import {
  assertObjectsFree,
  assertReleaseNamesFree,
  ensurePartObjects,
  removeStaleObjects,
  waitForParts,
} from '../lib/kubernetes/releases';
import {
  assertTaskSecretsGiven,
  ensureGeneratedSecret,
  type PublicSecretValue,
} from '../lib/kubernetes/secrets';
import { ensureClientAndSecret } from './keycloakClientEnsure';
import { ensureGroupsAndRoles } from './keycloakGroupsEnsure';
import { deployExamples } from './deploy.examples';

/**
 * `ml-tools:deploy`: blueprint id + parameters → namespace, pull secret, generated
 * secrets, Keycloak client (secret straight into a Secret), roles and groups, chart
 * sources and releases, then waits for Ready. Every write is get-then-ensure, so a
 * re-run with the same input writes nothing and gives the same outputs; every step is
 * checkpointed, so a resumed task continues where it stopped.
 *
 * @public
 */
export function createDeployAction(options: MlToolsActionOptions) {
  return createTemplateAction({
    id: 'ml-tools:deploy',
    description:
      'Deploys and configures an ML tool end to end from its blueprint: namespace, secrets, Keycloak client, roles and groups, Helm releases, then waits for Ready',
    examples: deployExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        entityRef: z =>
          z.string().describe('Catalog ref of the instance Component'),
        instanceRef: z =>
          z.string().describe('<cluster>/<namespace>/<name> of the instance'),
        url: z => z.string().describe('URL of the instance'),
        clientId: z =>
          z.string().optional().describe('Keycloak clientId of the instance'),
        links: z =>
          z
            .array(
              z.object({
                title: z.string(),
                url: z.string(),
                type: z.string(),
                icon: z.string().optional(),
              }),
            )
            .describe('Links to open the instance and related consoles'),
        publicKeys: z =>
          z
            .array(
              z.object({
                secretName: z.string(),
                key: z.string(),
                description: z.string(),
                value: z.string(),
              }),
            )
            .optional()
            .describe(
              'Public keys of the key pairs the instance generated (such as a Git deploy key), to add where they grant access',
            ),
        plan: z =>
          z
            .array(z.record(z.unknown()))
            .optional()
            .describe(
              'Dry run only: what would be created, changed or left as is',
            ),
      },
    },
    async handler(ctx) {
      // What the catch needs to tell what exists if a step fails past the first write.
      const run: {
        env?: StepEnv;
        id?: InstanceIdentity;
        objects?: PartObject[];
      } = {};
      try {
        const input = parseInput(inputSchema, ctx.input);
        const plan = await planDeploy(options, input);
        // What the instance needs in the cluster (a Service to protect) is input too.
        await assertPreconditions(options, plan);
        const { id, blueprint, clients } = plan;
        const dryRun = !!ctx.isDryRun;
        const env = makeEnv(options, ctx.logger, dryRun);
        run.env = env;
        run.id = id;

        // Deploying with the name of an instance that exists (even in part) updates it:
        // only its owner group's members or holders of the manage permission may.
        const existing = await findExistingInstance(
          {
            config: options.config,
            k8s: options.kubernetes,
            kc: options.keycloak,
          },
          options.blueprints.list(),
          id,
          clients.map(c => c.spec.clientId),
        );
        if (existing) {
          await options.access?.assertMayChange(ctx, existing, 'update');
        }
        ctx.logger.info(
          `${dryRun ? 'Dry run: ' : ''}deploying ${blueprint.title} "${
            id.name
          }" to ${id.cluster}/${id.namespace}`,
        );

        // Preflight: every refusal and conflict is found before the first write.
        await options.preflight?.check(
          plan.parts.flatMap(p =>
            p.type === 'release'
              ? [{ ...p, valuesCheckedBy: blueprint.valuesCheckedBy }]
              : [],
          ),
          { logger: ctx.logger, signal: ctx.signal },
        );
        const liveReleases = await assertReleaseNamesFree(
          env,
          id,
          plan.parts.flatMap(p => (p.type === 'release' ? [p.name] : [])),
        );
        await assertObjectsFree(env, id, plan.parts);
        const live = new Map<
          string,
          { client?: KcClient; scope?: KcClientScope }
        >();
        for (const client of clients) {
          const liveClient = await options.keycloak.findClientByClientId(
            client.spec.clientId,
          );
          assertOwnedClient(liveClient, id);
          const liveScope = client.spec.audienceScope
            ? await options.keycloak.findClientScopeByName(
                audienceScopeName(client.spec.clientId),
              )
            : undefined;
          assertOwnedScope(liveScope, id);
          live.set(client.key, { client: liveClient, scope: liveScope });
        }

        // Secrets typed in the form (never in parameters) that the blueprint needs.
        const taskSecrets = (ctx.secrets ?? {}) as Record<
          string,
          string | undefined
        >;
        await assertTaskSecretsGiven(
          env,
          id,
          secretsBySecretName(blueprint, id.name),
          key => 'fromTaskSecret' in key && !!key.requiredWhen?.(plan.ctx),
          taskSecrets,
        );

        await checkpointed(ctx, 'namespace', async () => {
          await ensureNamespace(env, id.cluster, id.namespace);
          await ensurePullSecret(env, id.cluster, id.namespace);
        });

        // Public halves of generated key pairs (deploy keys): the only values read
        // from the instance's Secrets that may be shown.
        let publicKeys: PublicSecretValue[] = [];
        if (blueprint.secrets.length > 0) {
          publicKeys = await checkpointed(ctx, 'secrets', async () => {
            const shown: PublicSecretValue[] = [];
            for (const [secretName, keys] of secretsBySecretName(
              blueprint,
              id.name,
            )) {
              const ensured = await ensureGeneratedSecret(
                env,
                id,
                secretName,
                keys,
                values =>
                  deriveSecretValues(keys, plan.ctx, values, blueprint.id),
                taskSecrets,
              );
              shown.push(...ensured.publicValues);
            }
            return shown;
          });
        }

        const clientUuids: Record<string, string | undefined> = {};
        for (const [index, client] of clients.entries()) {
          // Only trust "just created" within this process: a resumed task may have
          // created roles before it stopped.
          let createdNow = false;
          const key =
            index === 0 ? 'keycloak-client' : `keycloak-client:${client.key}`;
          const stored = await checkpointed(ctx, key, async () => {
            const ensured = await ensureClientAndSecret(
              env,
              id,
              client.spec,
              client.secretName,
              client.cookieSecret,
              live.get(client.key)?.client ?? null,
              live.get(client.key)?.scope ?? null,
            );
            createdNow = ensured.created;
            return { clientUuid: ensured.clientUuid ?? '' };
          });
          clientUuids[client.key] = stored.clientUuid || undefined;
          if (index === 0 && plan.roles.length) {
            const roles = plan.roles;
            await checkpointed(ctx, 'keycloak-groups', () =>
              ensureGroupsAndRoles(
                env,
                id,
                client.spec.clientId,
                clientUuids[client.key],
                createdNow,
                roles,
                plan.roleMappings,
                plan.existingGroups,
                recordedRoleMappings(existing?.anchor),
              ),
            );
          }
        }

        const links = instanceLinks(options, plan, clientUuids);
        const objects = buildPartObjects(
          options.config,
          id,
          plan.ctx,
          plan.parts,
          instanceAnnotations(plan, links),
        );
        run.objects = objects;
        const wait = {
          timeoutMs:
            (input.timeoutSeconds ??
              options.config.deploy.readyTimeoutSeconds) * 1000,
          pollIntervalMs: options.config.deploy.pollIntervalMs,
          signal: ctx.signal,
        };
        await checkpointed(ctx, 'releases', async () => {
          await ensurePartObjects(
            env,
            id,
            objects,
            liveReleases,
            input.wait ? wait : undefined,
          );
          await removeStaleObjects(
            env,
            id,
            blueprint.objectKinds ?? [],
            objects,
          );
        });

        ctx.logger.info(
          `${dryRun ? 'Would change' : 'Changes'}: ${env.changes.summary()}`,
        );

        if (input.wait && !dryRun) {
          await waitForParts(env, id, objects, wait);
          ctx.logger.info(
            `${blueprint.title} "${id.name}" is ready at ${plan.ctx.url}`,
          );
        }

        if (!dryRun) {
          // The releases are applied (and ready when waited for): the provider can read
          // the instance now, so "Open in catalog" works as soon as the task ends.
          await requestCatalogRefresh(options, id, ctx.logger);
        }

        ctx.output('entityRef', instanceEntityRef(id));
        ctx.output('instanceRef', id.ref);
        ctx.output('url', plan.ctx.url);
        if (clients.length > 0)
          ctx.output('clientId', clients[0].spec.clientId);
        ctx.output('links', links as unknown as JsonObject[]);
        if (publicKeys.length > 0) {
          ctx.output('publicKeys', publicKeys as unknown as JsonObject[]);
        }
        if (dryRun) ctx.output('plan', env.changes.changes);
      } catch (error) {
        const err = forTaskLog(error);
        if (run.env && run.id) {
          await reportIncomplete(run.env, run.id, err, ctx.logger, run.objects);
        }
        throw err;
      }
    },
  });
}
