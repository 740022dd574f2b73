import { NotFoundError } from '@backstage/errors';
import type { KcRole } from '@ml-platform/plugin-ml-tools-node';
import type { StepEnv } from '../context';
import type { EnsuredGroup } from './groups';

/** Creates missing client roles and fixes descriptions; returns roles with ids. */
export async function ensureRoles(
  env: StepEnv,
  clientId: string,
  clientUuid: string | undefined,
  roles: Array<{ name: string; description: string }>,
  clientIsNew: boolean,
): Promise<KcRole[]> {
  const live =
    clientUuid && !clientIsNew ? await env.kc.listClientRoles(clientUuid) : [];
  let createdAny = false;
  for (const role of roles) {
    const current = live.find(r => r.name === role.name);
    if (!current) {
      if (!env.dryRun) await env.kc.createClientRole(clientUuid!, role);
      createdAny = true;
      env.changes.add({
        target: 'keycloak',
        kind: 'client role',
        name: `${clientId}/${role.name}`,
        action: 'create',
      });
    } else if ((current.description ?? '') !== role.description) {
      if (!env.dryRun) {
        await env.kc.updateClientRole(clientUuid!, {
          ...current,
          description: role.description,
        });
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'client role',
        name: `${clientId}/${role.name}`,
        action: 'update',
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'client role',
        name: `${clientId}/${role.name}`,
        action: 'unchanged',
      });
    }
  }
  if (env.dryRun || !clientUuid) return live;
  // Role creation answers no id; one list gives them all.
  return createdAny ? env.kc.listClientRoles(clientUuid) : live;
}

/**
 * Makes each group hold exactly the client roles the mapping gives it (roles of other
 * clients are never touched).
 */
export async function ensureGroupRoleMappings(
  env: StepEnv,
  clientId: string,
  clientUuid: string | undefined,
  roles: KcRole[],
  groups: EnsuredGroup[],
  roleMappings: Record<string, string[]>,
): Promise<void> {
  for (const group of groups) {
    const wanted = Object.entries(roleMappings)
      .filter(([, paths]) => paths.includes(group.path))
      .map(([role]) => role)
      .sort();
    const live =
      group.id && clientUuid && !group.isNew
        ? await env.kc.listGroupClientRoleMappings(group.id, clientUuid)
        : [];
    const liveNames = live.map(r => r.name);
    const missing = wanted.filter(r => !liveNames.includes(r));
    const extra = live.filter(r => !wanted.includes(r.name));
    const name = `${group.path} → ${clientId}`;
    if (missing.length > 0) {
      if (!env.dryRun) {
        const byName = new Map(roles.map(r => [r.name, r]));
        const toAdd = missing.map(r => {
          const role = byName.get(r);
          if (!role?.id)
            throw new NotFoundError(`Client role ${clientId}/${r} not found`);
          return role;
        });
        await env.kc.addGroupClientRoleMappings(group.id!, clientUuid!, toAdd);
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'role mapping',
        name,
        action: 'create',
        detail: missing.join(', '),
      });
    }
    if (extra.length > 0) {
      if (!env.dryRun)
        await env.kc.removeGroupClientRoleMappings(
          group.id!,
          clientUuid!,
          extra,
        );
      env.changes.add({
        target: 'keycloak',
        kind: 'role mapping',
        name,
        action: 'delete',
        detail: extra.map(r => r.name).join(', '),
      });
    }
    if (missing.length === 0 && extra.length === 0) {
      env.changes.add({
        target: 'keycloak',
        kind: 'role mapping',
        name,
        action: 'unchanged',
        detail: wanted.join(', '),
      });
    }
  }
}
