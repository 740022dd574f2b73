import type { GatewayReadOptions } from '../kubernetes/types';
import {
  deleted,
  orUndefined,
  type KeycloakConnection,
} from './KeycloakConnection';
import type { KcGroup, KcUser } from './types';

/* Groups of the realm, by full path, and their members. */

/** @internal */
export function findGroupByPath(
  kc: KeycloakConnection,
  path: string,
  options: GatewayReadOptions = {},
): Promise<KcGroup | undefined> {
  const normalized = path.startsWith('/') ? path : `/${path}`;
  return orUndefined(
    kc.call(
      'find-group',
      normalized,
      'read',
      async c => {
        const group = await c.realms.getGroupByPath({
          realm: kc.realm,
          path: normalized.slice(1),
        });
        return (group ?? undefined) as KcGroup | undefined;
      },
      { signal: options.signal, timeoutMs: options.timeoutMs },
    ),
  );
}

/** @internal */
export async function findGroupsByName(
  kc: KeycloakConnection,
  search: string,
  options: GatewayReadOptions & { exact?: boolean } = {},
): Promise<KcGroup[]> {
  const roots = (await kc.call(
    'find-groups',
    search,
    'read',
    c =>
      c.groups.find({
        search,
        exact: options.exact ?? false,
        // Attributes tell whether a match is one of ours.
        briefRepresentation: false,
      }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcGroup[];
  // A search answers the matches nested in their ancestors (which may not match
  // themselves); flatten the tree and keep matches only.
  const needle = search.toLocaleLowerCase('en-US');
  const matches = (g: KcGroup) =>
    options.exact
      ? g.name === search
      : g.name.toLocaleLowerCase('en-US').includes(needle);
  const result = new Map<string, KcGroup>();
  const visit = (group: KcGroup) => {
    if (matches(group)) {
      // Only the matching branch is nested, so subGroups would mislead readers.
      const { subGroups: _children, ...rest } = group;
      result.set(group.id ?? group.path ?? '', rest);
    }
    for (const child of group.subGroups ?? []) visit(child);
  };
  roots.forEach(visit);
  return [...result.values()];
}

/** @internal */
export async function createGroup(
  kc: KeycloakConnection,
  group: KcGroup,
  parentId?: string,
): Promise<string> {
  const { id } = await kc.call(
    'create-group',
    group.name,
    'create',
    c =>
      parentId
        ? c.groups.createChildGroup({ id: parentId }, group)
        : c.groups.create(group),
    {
      recover: async () => {
        if (!group.path) return undefined;
        const found = await findGroupByPath(kc, group.path);
        return found?.id ? { id: found.id } : undefined;
      },
    },
  );
  return id;
}

/** @internal */
export async function updateGroup(
  kc: KeycloakConnection,
  groupId: string,
  group: KcGroup,
): Promise<void> {
  await kc.call('update-group', group.path ?? group.name, 'idempotent', c =>
    c.groups.update({ id: groupId }, group),
  );
}

/** @internal */
export function deleteGroup(
  kc: KeycloakConnection,
  groupId: string,
): Promise<boolean> {
  return deleted(
    kc.call('delete-group', groupId, 'idempotent', c =>
      c.groups.del({ id: groupId }),
    ),
  );
}

/** @internal */
export async function listGroupMembers(
  kc: KeycloakConnection,
  groupId: string,
  options: GatewayReadOptions & { first?: number; max?: number } = {},
): Promise<KcUser[]> {
  return (await kc.call(
    'list-group-members',
    groupId,
    'read',
    c =>
      c.groups.listMembers({
        id: groupId,
        first: options.first ?? 0,
        max: options.max ?? 100,
        briefRepresentation: true,
      }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcUser[];
}
