import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ML_PLATFORM_ANNOTATIONS,
  type InstanceLink,
} from '@ml-platform/plugin-ml-tools-common';
import {
  assertDriverSupports,
  blueprintParts,
  createBlueprintContext,
  type AnyToolBlueprint,
  type BlueprintContext,
  type BlueprintGroupMember,
  type BlueprintPart,
  type KcGroup,
} from '@ml-platform/plugin-ml-tools-node';
import { CLIENT_ID } from '../actions/keycloakClientEnsure';
import {
  makeIdentity,
  type InstanceIdentity,
  type MlToolsActionOptions,
} from './context';
import { parseGroupRef } from './access';
import {
  assertNamespaceAllowed,
  checkRedirectUris,
  fields,
  resolveCluster,
  type Zod,
} from './inputs';
import { checkedRoleMappings } from './roleMappings';
import {
  assertDomainAllowed,
  assertParametersAgreeWithSettings,
  blueprintParameters,
} from './rules';
import type { ClientSpec } from './keycloak/clients';

const DOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

export const deployInputSchema = (z: Zod) =>
  z
    .object({
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
        // A refinement, not min/max: checked by parseInput with words, where a JSON
        // schema bound would be refused by the scaffolder with its stack trace.
        .refine(v => Number.isInteger(v) && v >= 10 && v <= 7200, {
          message: 'must be a whole number of seconds from 10 to 7200',
        })
        .optional()
        .describe(
          'How long to wait for Ready; mlTools.deploy.readyTimeoutSeconds by default',
        ),
    })
    // Unknown inputs reach parseInput, which refuses them by name (see there).
    .passthrough();

export type DeployInput = ReturnType<typeof deployInputSchema>['_output'];

/** One Keycloak client of the plan, with its key and where its credentials go. */
export interface PlannedClient {
  key: string;
  spec: ClientSpec;
  secretName: string;
  cookieSecret: boolean;
}

/** Everything deploy computes from its input and the config, before any upstream write. */
export interface DeployPlan {
  id: InstanceIdentity;
  blueprint: AnyToolBlueprint;
  ctx: BlueprintContext;
  parts: BlueprintPart[];
  /** The instance's clients; the first carries the tool's roles. */
  clients: PlannedClient[];
  /** The tool's roles: the blueprint's, then those its parameters define. */
  roles: Array<{ name: string; description: string }>;
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
  input: DeployInput,
): Promise<DeployPlan> {
  const cluster = resolveCluster(options.config, input.cluster);
  assertNamespaceAllowed(options.config, input.namespace);
  assertDomainAllowed(options.config, input.domain);
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
  const params = blueprintParameters(blueprint, input.parameters);
  assertParametersAgreeWithSettings(options.config, blueprint, params);
  const owner = parseGroupRef(input.owner, 'input.owner');
  await options.access?.assertGroupEntity(owner, 'input.owner');
  const ownerName = parseEntityRef(owner).name;
  // Roles the parameters define (a named policy of the form) come with their groups.
  const parameterRoles = blueprint.keycloak?.parameterRoles?.(params) ?? [];
  const roles = [
    ...(blueprint.keycloak?.roles ?? []),
    ...parameterRoles.map(({ groups: _groups, ...role }) => role),
  ];
  for (const role of parameterRoles) {
    if (input.roleMappings?.[role.name]?.length) {
      throw new InputError(
        `Invalid input: input.roleMappings.${role.name}: the role is defined by input.parameters, which give its groups`,
      );
    }
  }
  const requested =
    parameterRoles.length > 0
      ? {
          ...input.roleMappings,
          ...Object.fromEntries(parameterRoles.map(r => [r.name, r.groups])),
        }
      : input.roleMappings;
  if (
    roles.length === 0 &&
    input.roleMappings &&
    Object.keys(input.roleMappings).length
  ) {
    throw new InputError(
      `Invalid input: input.roleMappings given, but blueprint "${blueprint.id}" has no roles`,
    );
  }
  const { roleMappings, groups: existingGroups } =
    roles.length > 0
      ? await checkedRoleMappings(
          options,
          requested,
          roles,
          { name: ownerName, ref: owner },
          'input.roleMappings',
        )
      : { roleMappings: {}, groups: new Map<string, KcGroup>() };
  const instance = { cluster, namespace: input.namespace, name: input.name };
  const baseCtx = createBlueprintContext(options.config, {
    blueprint,
    instance,
    owner,
    title: input.title,
    description: input.description,
    domain: input.domain,
    params,
    roleMappings,
    clientId: input.clientId,
  });
  const memberPaths = blueprint.groupMembersOf?.(baseCtx) ?? [];
  const ctx: BlueprintContext = memberPaths.length
    ? {
        ...baseCtx,
        groupMembers: await readGroupMembers(
          options,
          memberPaths,
          existingGroups,
          'input.roleMappings',
        ),
      }
    : baseCtx;
  const parts = blueprintParts(blueprint, ctx);
  assertDriverSupports(options.config, blueprint.id, parts);
  const id = makeIdentity(instance, blueprint.id, ownerName);
  const clients: PlannedClient[] = (blueprint.keycloak?.clients ?? []).map(
    client => {
      const facts = ctx.keycloak!.clients[client.key];
      return {
        key: client.key,
        secretName: facts.secretName,
        cookieSecret: !!client.cookieSecret,
        spec: {
          clientId: facts.clientId,
          title: ctx.title,
          description: input.description,
          clientType: client.clientType,
          rootUrl: ctx.url,
          redirectUris: checkRedirectUris(
            (typeof client.redirectPaths === 'function'
              ? client.redirectPaths(ctx)
              : client.redirectPaths
            ).map(p => `${ctx.url}${p}`),
            'input.domain (redirect URIs)',
          ),
          webOrigins: [ctx.url],
          owner,
          groupsClaim: client.groupsClaim,
          audienceScope: client.audienceScope,
          protocolMappers: client.protocolMappers?.(ctx) ?? [],
        },
      };
    },
  );
  return {
    id,
    blueprint,
    ctx,
    parts,
    clients,
    roles: roles.map(r => ({ name: r.name, description: r.description })),
    roleMappings,
    existingGroups,
    owner,
  };
}

/** Keycloak pages members in batches of this size. */
const MEMBERS_PAGE = 100;

/**
 * The members of each group, by full path, read through the Keycloak admin client
 * (direct members: members of subgroups are not included). A group that does not exist
 * is refused naming the field: it has no members to grant anything to.
 */
export async function readGroupMembers(
  options: Pick<MlToolsActionOptions, 'keycloak'>,
  paths: string[],
  known: ReadonlyMap<string, KcGroup>,
  field: string,
): Promise<Record<string, BlueprintGroupMember[]>> {
  const out: Record<string, BlueprintGroupMember[]> = {};
  for (const path of paths) {
    const group =
      known.get(path) ?? (await options.keycloak.findGroupByPath(path));
    if (!group?.id) {
      throw new InputError(
        `Invalid input: ${field}: group ${path} does not exist in Keycloak, so it has no members to grant access to`,
      );
    }
    const members: BlueprintGroupMember[] = [];
    for (let first = 0; ; first += MEMBERS_PAGE) {
      const page = await options.keycloak.listGroupMembers(group.id, {
        first,
        max: MEMBERS_PAGE,
      });
      for (const m of page) {
        if (!m.username) continue;
        members.push({
          username: m.username,
          ...(m.email ? { email: m.email } : {}),
        });
      }
      if (page.length < MEMBERS_PAGE) break;
    }
    out[path] = members.sort((a, b) => a.username.localeCompare(b.username));
  }
  return out;
}

/** Links of the instance: the blueprint's, plus the Keycloak console of each client. */
export function instanceLinks(
  options: MlToolsActionOptions,
  plan: DeployPlan,
  clientUuids: Record<string, string | undefined>,
): InstanceLink[] {
  const links = [...plan.blueprint.links(plan.ctx)];
  for (const client of plan.clients) {
    const uuid = clientUuids[client.key];
    if (!uuid) continue;
    links.push({
      title: `Keycloak client ${client.spec.clientId}`,
      url: options.keycloak.clientConsoleUrl(uuid),
      type: 'keycloak-console',
      icon: 'vpnKey',
    });
  }
  return links;
}

/** The annotations the instance's `main` part carries: what the catalog reads back. */
export function instanceAnnotations(
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
    [ML_PLATFORM_ANNOTATIONS.health]: JSON.stringify({
      workloads: plan.blueprint.health.workloads?.(plan.ctx) ?? [],
      endpoints: plan.blueprint.health.endpoints ?? [],
      conditions: plan.blueprint.health.conditions?.(plan.ctx) ?? [],
    }),
    // Parts such as an auth proxy run as releases of their own and may own the
    // instance's ingress, so readers need every release name to find its workloads.
    [ML_PLATFORM_ANNOTATIONS.releases]: JSON.stringify(
      plan.parts.flatMap(p => (p.type === 'release' ? [p.name] : [])),
    ),
  };
  if (plan.ctx.description) {
    annotations[ML_PLATFORM_ANNOTATIONS.description] = plan.ctx.description;
  }
  if (plan.blueprint.roleUsers) {
    annotations[ML_PLATFORM_ANNOTATIONS.roleUsers] = JSON.stringify(
      plan.blueprint.roleUsers(plan.ctx),
    );
  }
  if (plan.clients.length > 0) {
    annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientId] =
      plan.clients[0].spec.clientId;
    annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientIds] = JSON.stringify(
      plan.clients.map(c => c.spec.clientId),
    );
  }
  return annotations;
}

/**
 * The blueprint's preconditions, read from the cluster: the first one broken is an
 * InputError naming its field. Reads only; runs before the first write, dry runs too.
 */
export async function assertPreconditions(
  options: Pick<MlToolsActionOptions, 'kubernetes'>,
  plan: Pick<DeployPlan, 'blueprint' | 'ctx' | 'id'>,
): Promise<void> {
  for (const condition of plan.blueprint.preconditions?.(plan.ctx) ?? []) {
    const namespace = condition.object.namespace ?? plan.id.namespace;
    const live = await options.kubernetes.get(plan.id.cluster, {
      ...condition.object,
      namespace,
    });
    const refusal = condition.check(live);
    if (refusal) {
      throw new InputError(
        `Invalid input: ${condition.field}: ${condition.object.kind} "${condition.object.name}" in ${namespace}: ${refusal}`,
      );
    }
  }
}
