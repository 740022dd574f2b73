import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import {
  instanceEntityRef,
  ML_PLATFORM_ANNOTATIONS,
  type InstanceLink,
} from '@ml-platform/plugin-ml-tools-common';
import {
  blueprintReleases,
  createBlueprintContext,
  type AnyToolBlueprint,
  type BlueprintContext,
  type BlueprintRelease,
  type KcGroup,
} from '@ml-platform/plugin-ml-tools-node';
import {
  makeEnv,
  makeIdentity,
  type InstanceIdentity,
  type MlToolsActionOptions,
} from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import { requestCatalogRefresh } from '../lib/catalogRefresh';
import { normaliseRoleMappings, resolveRoleMappings } from '../lib/groups';
import {
  assertNamespaceAllowed,
  checkRedirectUris,
  fields,
  parseInput,
  resolveCluster,
  type Zod,
} from '../lib/inputs';
import {
  assertOwnedClient,
  assertOwnedScope,
  audienceScopeName,
  type ClientSpec,
} from '../lib/keycloakSteps';
import {
  assertReleaseNamesFree,
  buildReleaseObjects,
  ensureGeneratedSecret,
  ensureNamespace,
  ensurePullSecret,
  ensureReleaseObjects,
  waitForReleases,
} from '../lib/kubernetesSteps';
import { CLIENT_ID, ensureClientAndSecret } from './keycloakClientEnsure';
import { ensureGroupsAndRoles } from './keycloakGroupsEnsure';
import { deployExamples } from './deploy.examples';

/** Helm limits release names to 53 characters. */
const MAX_RELEASE_NAME = 53;

const DOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

const inputSchema = (z: Zod) =>
  z.object({
    cluster: fields.cluster(z),
    namespace: fields.namespace(z),
    name: fields.name(z),
    blueprint: fields
      .tool(z)
      .describe('Blueprint id of the tool to deploy, such as mlflow'),
    owner: fields.owner(z),
    title: z
      .string()
      .max(200)
      .optional()
      .describe('Human title of the instance'),
    description: z
      .string()
      .max(1000)
      .optional()
      .describe('What the instance is for'),
    domain: z
      .string()
      .max(200)
      .regex(DOMAIN, 'must be a DNS domain such as ml.example.com')
      .optional()
      .describe(
        'Domain of the instance host <name>.<domain>; mlTools.baseDomain by default',
      ),
    clientId: z
      .string()
      .max(100)
      .regex(CLIENT_ID, "must be lower case a-z, 0-9, '-', '.', '_'")
      .optional()
      .describe(
        'Keycloak clientId of the instance; the instance name by default',
      ),
    roleMappings: z
      .record(z.array(z.string()))
      .optional()
      .describe(
        "Tool role → groups granted it (Group entity refs or names, found anywhere in the Keycloak tree, or Keycloak paths); missing groups are created; roles left out get the blueprint's defaults",
      ),
    parameters: z
      .record(z.unknown())
      .default({})
      .describe(
        "Blueprint-specific parameters, checked against the blueprint's schema",
      ),
    wait: z
      .boolean()
      .default(true)
      .describe('Wait until every release reports Ready'),
    timeoutSeconds: z
      .number()
      .int()
      .min(10)
      .max(7200)
      .optional()
      .describe(
        'How long to wait for Ready; mlTools.deploy.readyTimeoutSeconds by default',
      ),
  });

type Input = ReturnType<typeof inputSchema>['_output'];

/** Everything deploy computes from its input and the config, before any upstream call. */
export interface DeployPlan {
  id: InstanceIdentity;
  blueprint: AnyToolBlueprint;
  ctx: BlueprintContext;
  releases: BlueprintRelease[];
  client?: ClientSpec;
  roleMappings: Record<string, string[]>;
  /** Existing Keycloak groups the mapping's group names resolved to, by path. */
  existingGroups: ReadonlyMap<string, KcGroup>;
  owner: string;
}

/**
 * Checks the input and builds the plan; throws an InputError naming the field. Reads
 * Keycloak (group names → paths) but writes nothing.
 */
export async function planDeploy(
  options: MlToolsActionOptions,
  input: Input,
): Promise<DeployPlan> {
  const cluster = resolveCluster(options.config, input.cluster);
  assertNamespaceAllowed(options.config, input.namespace);
  const blueprint = options.blueprints.find(input.blueprint);
  if (!blueprint) {
    throw new InputError(
      `Invalid input: input.blueprint "${
        input.blueprint
      }" is not a known blueprint; known: ${options.blueprints
        .list()
        .map(b => b.id)
        .join(', ')}`,
    );
  }
  const params = blueprint.parameters.safeParse(input.parameters);
  if (!params.success) {
    throw new InputError(
      `Invalid input: ${params.error.issues
        .map(
          i =>
            `input.parameters${i.path.map(p => `.${String(p)}`).join('')} ${
              i.message
            }`,
        )
        .join('; ')}`,
    );
  }
  let ownerName: string;
  try {
    const ref = parseEntityRef(input.owner, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    ownerName = ref.name;
  } catch {
    throw new InputError(
      `Invalid input: input.owner "${input.owner}" is not an entity ref`,
    );
  }
  if (
    !blueprint.keycloak &&
    input.roleMappings &&
    Object.keys(input.roleMappings).length
  ) {
    throw new InputError(
      `Invalid input: input.roleMappings given, but blueprint "${blueprint.id}" has no roles`,
    );
  }
  const { roleMappings, groups: existingGroups } = blueprint.keycloak
    ? await resolveRoleMappings(
        options.keycloak,
        normaliseRoleMappings(
          input.roleMappings,
          blueprint.keycloak.roles,
          { name: ownerName, ref: input.owner },
          'input.roleMappings',
        ),
        'input.roleMappings',
      )
    : { roleMappings: {}, groups: new Map<string, KcGroup>() };
  const instance = { cluster, namespace: input.namespace, name: input.name };
  const ctx = createBlueprintContext(options.config, {
    blueprint,
    instance,
    owner: input.owner,
    title: input.title,
    description: input.description,
    domain: input.domain,
    params: params.data as JsonObject,
    roleMappings,
    clientId: input.clientId,
  });
  const releases = blueprintReleases(blueprint, ctx);
  for (const release of releases) {
    if (release.name.length > MAX_RELEASE_NAME) {
      throw new InputError(
        `Invalid input: input.name is too long: release "${release.name}" exceeds ${MAX_RELEASE_NAME} characters`,
      );
    }
  }
  const id = makeIdentity(instance, blueprint.id, ownerName);
  let client: ClientSpec | undefined;
  if (blueprint.keycloak && ctx.keycloak) {
    client = {
      clientId: ctx.keycloak.clientId,
      title: ctx.title,
      description: input.description,
      clientType: blueprint.keycloak.clientType,
      rootUrl: ctx.url,
      redirectUris: checkRedirectUris(
        blueprint.keycloak.redirectPaths.map(p => `${ctx.url}${p}`),
        'input.domain (redirect URIs)',
      ),
      webOrigins: [ctx.url],
      owner: input.owner,
      groupsClaim: blueprint.keycloak.groupsClaim,
      audienceScope: blueprint.keycloak.audienceScope,
      protocolMappers: blueprint.keycloak.protocolMappers?.(ctx) ?? [],
    };
  }
  return {
    id,
    blueprint,
    ctx,
    releases,
    client,
    roleMappings,
    existingGroups,
    owner: input.owner,
  };
}

/** Links of the instance: the blueprint's, plus the Keycloak console when known. */
export function instanceLinks(
  options: MlToolsActionOptions,
  plan: DeployPlan,
  clientUuid?: string,
): InstanceLink[] {
  const links = [...plan.blueprint.links(plan.ctx)];
  if (clientUuid) {
    links.push({
      title: `Keycloak client ${plan.client?.clientId}`,
      url: options.keycloak.clientConsoleUrl(clientUuid),
      type: 'keycloak-console',
      icon: 'vpnKey',
    });
  }
  return links;
}

function releaseAnnotations(
  plan: DeployPlan,
  links: InstanceLink[],
): Record<string, string> {
  const annotations: Record<string, string> = {
    [ML_PLATFORM_ANNOTATIONS.owner]: plan.owner,
    [ML_PLATFORM_ANNOTATIONS.title]: plan.ctx.title,
    [ML_PLATFORM_ANNOTATIONS.lifecycle]: 'production',
    [ML_PLATFORM_ANNOTATIONS.links]: JSON.stringify(links),
    [ML_PLATFORM_ANNOTATIONS.roleMappings]: JSON.stringify(plan.roleMappings),
    [ML_PLATFORM_ANNOTATIONS.backingStores]: JSON.stringify(
      plan.blueprint.catalog.backingStores(plan.ctx),
    ),
    [ML_PLATFORM_ANNOTATIONS.instanceRef]: plan.id.ref,
    // The parts (auth proxy...) run as releases of their own; the proxy owns the
    // instance's ingress, so readers need every release name to find it.
    [ML_PLATFORM_ANNOTATIONS.releases]: JSON.stringify(
      plan.releases.map(r => r.name),
    ),
  };
  if (plan.ctx.description) {
    annotations[ML_PLATFORM_ANNOTATIONS.description] = plan.ctx.description;
  }
  if (plan.client) {
    annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientId] =
      plan.client.clientId;
  }
  return annotations;
}

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
      const input = parseInput(inputSchema, ctx.input);
      const plan = await planDeploy(options, input);
      const { id, blueprint, client } = plan;
      const dryRun = !!ctx.isDryRun;
      const env = makeEnv(options, ctx.logger, dryRun);
      ctx.logger.info(
        `${dryRun ? 'Dry run: ' : ''}deploying ${blueprint.title} "${
          id.name
        }" to ${id.cluster}/${id.namespace}`,
      );

      // Preflight: every conflict is found before the first write.
      const liveReleases = await assertReleaseNamesFree(
        env,
        id,
        plan.releases.map(r => r.name),
      );
      const liveClient = client
        ? await options.keycloak.findClientByClientId(client.clientId)
        : undefined;
      assertOwnedClient(liveClient, id);
      const liveScope = client?.audienceScope
        ? await options.keycloak.findClientScopeByName(
            audienceScopeName(client.clientId),
          )
        : undefined;
      assertOwnedScope(liveScope, id);

      await checkpointed(ctx, 'namespace', async () => {
        await ensureNamespace(env, id.cluster, id.namespace);
        await ensurePullSecret(env, id.cluster, id.namespace);
      });

      if (blueprint.secrets.length > 0) {
        await checkpointed(ctx, 'secrets', async () => {
          await ensureGeneratedSecret(
            env,
            id,
            plan.ctx.secretName,
            blueprint.secrets,
          );
        });
      }

      let clientUuid: string | undefined;
      if (client && blueprint.keycloak) {
        // Only trust "just created" within this process: a resumed task may have
        // created roles before it stopped.
        let createdNow = false;
        const stored = await checkpointed(ctx, 'keycloak-client', async () => {
          const ensured = await ensureClientAndSecret(
            env,
            id,
            client,
            plan.ctx.keycloak!.clientSecretName,
            !!blueprint.authProxy,
            liveClient ?? null,
            liveScope ?? null,
          );
          createdNow = ensured.created;
          return { clientUuid: ensured.clientUuid ?? '' };
        });
        clientUuid = stored.clientUuid || undefined;
        const roles = blueprint.keycloak.roles.map(r => ({
          name: r.name,
          description: r.description,
        }));
        await checkpointed(ctx, 'keycloak-groups', () =>
          ensureGroupsAndRoles(
            env,
            id,
            client.clientId,
            clientUuid,
            createdNow,
            roles,
            plan.roleMappings,
            plan.existingGroups,
          ),
        );
      }

      const links = instanceLinks(options, plan, clientUuid);
      const objects = buildReleaseObjects(
        env,
        id,
        plan.releases,
        releaseAnnotations(plan, links),
      );
      await checkpointed(ctx, 'releases', async () => {
        await ensureReleaseObjects(env, id, objects, liveReleases);
      });

      ctx.logger.info(
        `${dryRun ? 'Would change' : 'Changes'}: ${env.changes.summary()}`,
      );

      if (input.wait && !dryRun) {
        await waitForReleases(
          env,
          id,
          plan.releases.map(r => r.name),
          {
            timeoutMs:
              (input.timeoutSeconds ??
                options.config.deploy.readyTimeoutSeconds) * 1000,
            pollIntervalMs: options.config.deploy.pollIntervalMs,
            signal: ctx.signal,
          },
        );
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
      if (client) ctx.output('clientId', client.clientId);
      ctx.output('links', links as unknown as JsonObject[]);
      if (dryRun) ctx.output('plan', env.changes.changes);
    },
  });
}
