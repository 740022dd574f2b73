import { parseEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { KcClient, KcGroup } from '@ml-platform/plugin-ml-tools-node';
import {
  makeEnv,
  makeIdentity,
  type InstanceIdentity,
  type MlToolsActionOptions,
  type StepEnv,
} from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import { normaliseRoleMappings, resolveRoleMappings } from '../lib/groups';
import {
  assertNamespaceAllowed,
  fields,
  parseInput,
  resolveCluster,
  type Zod,
} from '../lib/inputs';
import {
  ensureGroups,
  isOurGroup,
  releaseGroups,
  type EnsuredGroup,
} from '../lib/keycloak/groups';
import { assertOwnedClient } from '../lib/keycloak/ownership';
import { ensureGroupRoleMappings, ensureRoles } from '../lib/keycloak/roles';
import { CLIENT_ID } from './keycloakClientEnsure';
import { keycloakGroupsEnsureExamples } from './keycloakGroupsEnsure.examples';

const ROLE_NAME = /^[A-Za-z0-9][-_.A-Za-z0-9]*$/;

const inputSchema = (z: Zod) =>
  z.object({
    cluster: fields.cluster(z),
    namespace: fields.namespace(z),
    name: fields.name(z),
    tool: fields.tool(z),
    owner: fields.owner(z),
    clientId: z
      .string()
      .max(100)
      .regex(CLIENT_ID, "must be lower case a-z, 0-9, '-', '.', '_'")
      .optional()
      .describe(
        'Keycloak clientId of the instance; the instance name by default',
      ),
    roles: z
      .array(
        z.object({
          name: z
            .string()
            .max(100)
            .regex(ROLE_NAME, 'must be letters, digits, -, _ or .')
            .describe('Role name, such as EDIT'),
          description: z
            .string()
            .max(255)
            .default('')
            .describe('What the role allows'),
        }),
      )
      .min(1)
      .describe(
        "The tool's roles, created as client roles of the instance's client",
      ),
    roleMappings: z
      .record(z.array(z.string()))
      .default({})
      .describe(
        'Role name → groups granted it: Group entity refs (group:default/x) or names, found anywhere in the Keycloak tree, or Keycloak paths (/a/b); missing groups are created',
      ),
  });

/** Result of {@link ensureGroupsAndRoles}: names and paths only. */
export type GroupsResult = {
  roles: string[];
  groups: string[];
};

/**
 * Client roles, groups (created when missing) and the role → groups mapping of an
 * instance, in that order. `existingGroups` are groups already read, by path.
 */
export async function ensureGroupsAndRoles(
  env: StepEnv,
  id: InstanceIdentity,
  clientId: string,
  clientUuid: string | undefined,
  clientIsNew: boolean,
  roles: Array<{ name: string; description: string }>,
  roleMappings: Record<string, string[]>,
  existingGroups?: ReadonlyMap<string, KcGroup>,
  previousRoleMappings: Record<string, string[]> = {},
): Promise<GroupsResult> {
  const liveRoles = await ensureRoles(
    env,
    clientId,
    clientUuid,
    roles,
    clientIsNew,
  );
  const paths = Object.values(roleMappings).flat();
  const groups = await ensureGroups(env, id, paths, existingGroups);
  // Groups the last run mapped and this one does not: they lose the tool's roles, and
  // the ones created for this instance go when nothing else uses them.
  const dropped = [
    ...new Set(Object.values(previousRoleMappings).flat()),
  ].filter(p => !paths.includes(p));
  const droppedGroups = await findDroppedGroups(env, dropped);
  await ensureGroupRoleMappings(
    env,
    clientId,
    clientUuid,
    liveRoles,
    [...groups, ...droppedGroups],
    roleMappings,
  );
  await releaseGroups(env, id, dropped, paths);
  return { roles: roles.map(r => r.name), groups: groups.map(g => g.path) };
}

async function findDroppedGroups(
  env: StepEnv,
  paths: string[],
): Promise<EnsuredGroup[]> {
  const found: EnsuredGroup[] = [];
  for (const path of paths.sort()) {
    const group = await env.kc.findGroupByPath(path);
    if (group?.id) {
      found.push({ path, id: group.id, ours: isOurGroup(group), isNew: false });
    }
  }
  return found;
}

/**
 * `keycloak:groups:ensure`: the tool's roles as client roles of the instance's client,
 * the mapped groups (created when missing, marked as created for this instance), and
 * the role → groups mapping, each written only when it differs.
 *
 * @public
 */
export function createKeycloakGroupsEnsureAction(
  options: MlToolsActionOptions,
) {
  return createTemplateAction({
    id: 'keycloak:groups:ensure',
    description:
      "Ensures an instance's roles, the Keycloak groups they are granted to, and the mapping between them",
    examples: keycloakGroupsEnsureExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        roles: z => z.array(z.string()).describe('Role names'),
        groups: z => z.array(z.string()).describe('Group paths of the mapping'),
        roleMappings: z =>
          z
            .record(z.array(z.string()))
            .describe('Role → group paths, normalised'),
      },
    },
    async handler(ctx) {
      const input = parseInput(inputSchema, ctx.input);
      const cluster = resolveCluster(options.config, input.cluster);
      assertNamespaceAllowed(options.config, input.namespace);
      let ownerName: string;
      try {
        ownerName = parseEntityRef(input.owner, { defaultKind: 'group' }).name;
      } catch {
        throw new InputError(
          `Invalid input: input.owner "${input.owner}" is not an entity ref`,
        );
      }
      const selectors = normaliseRoleMappings(
        input.roleMappings,
        input.roles,
        { name: ownerName, ref: input.owner },
        'input.roleMappings',
      );
      const id = makeIdentity(
        { cluster, namespace: input.namespace, name: input.name },
        input.tool,
        ownerName,
      );
      const clientId = input.clientId ?? input.name;
      const client: KcClient | undefined =
        await options.keycloak.findClientByClientId(clientId);
      if (!client) {
        throw new NotFoundError(
          `input.clientId: Keycloak client "${clientId}" does not exist; run keycloak:client:ensure first`,
        );
      }
      assertOwnedClient(client, id);
      // Reads only: an ambiguous group name fails here, before the first write.
      const { roleMappings: mappings, groups: existingGroups } =
        await resolveRoleMappings(
          options.keycloak,
          selectors,
          'input.roleMappings',
        );
      const env = makeEnv(options, ctx.logger, !!ctx.isDryRun);
      const result = await checkpointed(
        ctx,
        `keycloak.groups.${clientId}`,
        () =>
          ensureGroupsAndRoles(
            env,
            id,
            clientId,
            client.id,
            false,
            input.roles,
            mappings,
            existingGroups,
          ),
      );
      ctx.logger.info(
        `Keycloak roles and groups of ${clientId}: ${env.changes.summary()}`,
      );
      ctx.output('roles', result.roles);
      ctx.output('groups', result.groups);
      ctx.output('roleMappings', mappings);
    },
  });
}
