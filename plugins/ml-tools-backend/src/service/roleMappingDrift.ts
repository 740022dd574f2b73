import type { DriftReason } from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsGroupClientRoles } from './readers';

/**
 * clientId → role → full paths of the groups holding it, built once per read of the
 * realm's role mappings and shared by every instance.
 */
export type ClientRoleGroups = ReadonlyMap<
  string,
  ReadonlyMap<string, ReadonlySet<string>>
>;

/** Indexes the realm's group role mappings by client, then role. */
export function indexClientRoleGroups(
  groups: readonly MlToolsGroupClientRoles[],
): ClientRoleGroups {
  const index = new Map<string, Map<string, Set<string>>>();
  for (const group of groups) {
    for (const [clientId, roles] of Object.entries(group.clientRoles)) {
      let byRole = index.get(clientId);
      if (!byRole) {
        byRole = new Map();
        index.set(clientId, byRole);
      }
      for (const role of roles) {
        let paths = byRole.get(role);
        if (!paths) {
          paths = new Set();
          byRole.set(role, paths);
        }
        paths.add(group.path);
      }
    }
  }
  return index;
}

/**
 * Role mappings changed outside the suite: compares the role → groups mapping the last
 * deploy recorded (`recorded`) with the groups that hold each role of the instance's
 * client in Keycloak now. A group granted one of the client's roles by hand is `added`;
 * a recorded group that lost it (or was deleted) is `removed`. Roles the deploy did not
 * record count as mapped to no group, so granting one by hand shows too.
 */
export function roleMappingDrift(
  clientId: string,
  recorded: Readonly<Record<string, readonly string[]>>,
  live: ClientRoleGroups,
): DriftReason[] {
  const liveRoles = live.get(clientId) ?? new Map<string, Set<string>>();
  const roles = [...new Set([...Object.keys(recorded), ...liveRoles.keys()])];
  const reasons: DriftReason[] = [];
  for (const role of roles.sort()) {
    const want = new Set(recorded[role] ?? []);
    const have = liveRoles.get(role) ?? new Set<string>();
    for (const group of [...have].filter(g => !want.has(g)).sort()) {
      reasons.push({
        kind: 'role-mapping-changed',
        message: `Group ${group} was given role ${role} of Keycloak client ${clientId} outside the portal: its members can use the tool as ${role}. Deploy the instance again to restore its mapping, or add the group to the mapping.`,
        roleMapping: { role, group, change: 'added' },
      });
    }
    for (const group of [...want].filter(g => !have.has(g)).sort()) {
      reasons.push({
        kind: 'role-mapping-changed',
        message: `Group ${group} lost role ${role} of Keycloak client ${clientId} outside the portal: its members no longer get ${role}. Deploy the instance again to restore its mapping.`,
        roleMapping: { role, group, change: 'removed' },
      });
    }
  }
  return reasons;
}
