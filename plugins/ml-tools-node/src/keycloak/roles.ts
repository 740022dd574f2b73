import type { GatewayReadOptions } from '../kubernetes/types';
import type { KeycloakConnection } from './KeycloakConnection';
import type { KcGroupClientRoles, KcRole } from './types';

/* Client roles, and which groups they are mapped to. */

/** @internal */
export async function listClientRoles(
  kc: KeycloakConnection,
  clientUuid: string,
  options: GatewayReadOptions = {},
): Promise<KcRole[]> {
  return (await kc.call(
    'list-client-roles',
    clientUuid,
    'read',
    c => c.clients.listRoles({ id: clientUuid }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcRole[];
}

/** @internal */
export async function createClientRole(
  kc: KeycloakConnection,
  clientUuid: string,
  role: KcRole,
): Promise<void> {
  await kc.call(
    'create-client-role',
    `${clientUuid}/${role.name}`,
    'create',
    async c => {
      await c.clients.createRole({ id: clientUuid, ...role });
      return true;
    },
    {
      recover: async () => {
        const roles = await listClientRoles(kc, clientUuid);
        return roles.some(r => r.name === role.name) ? true : undefined;
      },
    },
  );
}

/** @internal */
export async function updateClientRole(
  kc: KeycloakConnection,
  clientUuid: string,
  role: KcRole,
): Promise<void> {
  await kc.call(
    'update-client-role',
    `${clientUuid}/${role.name}`,
    'idempotent',
    c => c.clients.updateRole({ id: clientUuid, roleName: role.name }, role),
  );
}

/** @internal */
export async function listGroupClientRoleMappings(
  kc: KeycloakConnection,
  groupId: string,
  clientUuid: string,
  options: GatewayReadOptions = {},
): Promise<KcRole[]> {
  return (await kc.call(
    'list-group-client-roles',
    `${groupId}/${clientUuid}`,
    'read',
    c =>
      c.groups.listClientRoleMappings({
        id: groupId,
        clientUniqueId: clientUuid,
      }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcRole[];
}

/** @internal */
export async function addGroupClientRoleMappings(
  kc: KeycloakConnection,
  groupId: string,
  clientUuid: string,
  roles: KcRole[],
): Promise<void> {
  // Adding a mapping that exists is a no-op in Keycloak, so this is idempotent.
  await kc.call(
    'add-group-client-roles',
    `${groupId}/${clientUuid}`,
    'idempotent',
    c =>
      c.groups.addClientRoleMappings({
        id: groupId,
        clientUniqueId: clientUuid,
        roles: roles.map(r => ({ id: r.id!, name: r.name })),
      }),
  );
}

/** @internal */
export async function removeGroupClientRoleMappings(
  kc: KeycloakConnection,
  groupId: string,
  clientUuid: string,
  roles: KcRole[],
): Promise<void> {
  await kc.call(
    'remove-group-client-roles',
    `${groupId}/${clientUuid}`,
    'idempotent',
    c =>
      c.groups.delClientRoleMappings({
        id: groupId,
        clientUniqueId: clientUuid,
        roles: roles.map(r => ({ id: r.id!, name: r.name })),
      }),
  );
}

/** @internal */
export async function listGroupRoleMappings(
  kc: KeycloakConnection,
  groupId: string,
  options: GatewayReadOptions = {},
): Promise<{
  realmMappings: KcRole[];
  clientMappings: Record<
    string,
    { id?: string; client?: string; mappings: KcRole[] }
  >;
}> {
  const mappings = (await kc.call(
    'list-group-roles',
    groupId,
    'read',
    c => c.groups.listRoleMappings({ id: groupId }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as {
    realmMappings?: KcRole[];
    clientMappings?: Record<
      string,
      { id?: string; client?: string; mappings?: KcRole[] }
    >;
  };
  return {
    realmMappings: mappings.realmMappings ?? [],
    clientMappings: Object.fromEntries(
      Object.entries(mappings.clientMappings ?? {}).map(([k, v]) => [
        k,
        { ...v, mappings: v.mappings ?? [] },
      ]),
    ),
  };
}

type ExportedGroup = {
  name?: string;
  path?: string;
  clientRoles?: Record<string, string[]>;
  subGroups?: ExportedGroup[];
};

/** @internal */
export async function listAllGroupClientRoles(
  kc: KeycloakConnection,
  options: GatewayReadOptions = {},
): Promise<KcGroupClientRoles[]> {
  const exported = (await kc.call(
    'export-groups-and-roles',
    kc.realm,
    'read',
    c =>
      c.realms.export({
        realm: kc.realm,
        exportGroupsAndRoles: true,
        exportClients: false,
      }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as { groups?: ExportedGroup[] };
  const result: KcGroupClientRoles[] = [];
  const walk = (groups: ExportedGroup[] | undefined, parent: string) => {
    for (const group of groups ?? []) {
      // Keycloak escapes a slash inside a name so that paths stay unambiguous.
      const path =
        group.path ?? `${parent}/${(group.name ?? '').replace(/\//g, '~/')}`;
      result.push({ path, clientRoles: { ...(group.clientRoles ?? {}) } });
      walk(group.subGroups, path);
    }
  };
  walk(exported.groups, '');
  return result;
}
