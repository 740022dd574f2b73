import type { KcGroup } from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsActionOptions } from './context';
import {
  normaliseRoleMappings,
  resolveRoleMappings,
  type ResolvedRoleMappings,
} from './groups';
import { assertGroupCount, assertNewGroupPath, checkGroupPath } from './rules';

/**
 * A role mapping from a form, checked and resolved to Keycloak paths before any write:
 * known roles only; at most `mlTools.groups.maxPerRole` groups per role; group refs
 * naming existing Group entities of the catalog; paths well formed; a group that does
 * not exist yet (and would be created) matching `mlTools.groups.newGroupPattern`. Reads
 * the catalog and Keycloak, writes nothing. The groups found are returned by path, so
 * the steps that follow need not look them up again.
 */
export async function checkedRoleMappings(
  options: Pick<MlToolsActionOptions, 'config' | 'keycloak' | 'access'>,
  mappings: Record<string, string[]> | undefined,
  roles: Array<{ name: string; defaultGroups?: Array<'owner'> }>,
  owner: { name: string; ref: string },
  field: string,
): Promise<ResolvedRoleMappings> {
  // Counted first: a flood of groups is refused before a single lookup.
  assertGroupCount(options.config, mappings, field);
  const selectors = normaliseRoleMappings(mappings, roles, owner, field);
  for (const [role, list] of Object.entries(selectors)) {
    for (const [i, s] of list.entries()) {
      const where = `${field}.${role}[${i}]`;
      if (s.kind === 'path') {
        checkGroupPath(options.config, s.path, where);
      } else if (options.access && s.value !== owner.ref) {
        // The owner was checked on its own; a Keycloak path is not a catalog entity.
        await options.access.assertGroupEntity(s.value, where);
      }
    }
  }
  const resolved = await resolveRoleMappings(
    options.keycloak,
    selectors,
    field,
  );
  const groups = new Map<string, KcGroup>(resolved.groups);
  for (const [role, paths] of Object.entries(resolved.roleMappings)) {
    for (const path of paths) {
      if (groups.has(path)) continue;
      checkGroupPath(options.config, path, `${field}.${role}`);
      const found = await options.keycloak.findGroupByPath(path);
      if (found) groups.set(path, found);
      else assertNewGroupPath(options.config, path, `${field}.${role}`);
    }
  }
  return { roleMappings: resolved.roleMappings, groups };
}
