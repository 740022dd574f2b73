import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type { KcGroup } from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from '../context';

export function splitPath(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export function createdForOf(group: KcGroup): string[] {
  const raw = group.attributes?.[KEYCLOAK_ATTRIBUTES.createdFor] ?? [];
  return raw
    .flatMap(v => v.split(','))
    .map(v => v.trim())
    .filter(Boolean);
}

export function isOurGroup(group: KcGroup): boolean {
  return (
    group.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy]?.[0] ===
    ML_PLATFORM_MANAGER
  );
}

/** A group of the mapping, after {@link ensureGroups}. */
export interface EnsuredGroup {
  path: string;
  /** Undefined only in a dry run where the group would be created. */
  id?: string;
  /** Whether the group carries our mark (we created it for some instance). */
  ours: boolean;
  /** Whether it was created in this run (its role mappings are then empty). */
  isNew: boolean;
}

/**
 * Creates missing groups (and missing parents) marked as ours and created for this
 * instance; records this instance on groups of ours that another instance created;
 * leaves groups made by others untouched. `alreadyRead` holds groups already read, by
 * path.
 */
export async function ensureGroups(
  env: StepEnv,
  id: InstanceIdentity,
  paths: string[],
  alreadyRead: ReadonlyMap<string, KcGroup> = new Map(),
): Promise<EnsuredGroup[]> {
  const result: EnsuredGroup[] = [];
  const known = new Map<string, KcGroup | undefined>(alreadyRead);
  const lookup = async (path: string) => {
    if (!known.has(path)) known.set(path, await env.kc.findGroupByPath(path));
    return known.get(path);
  };
  for (const path of [...new Set(paths)].sort()) {
    const segments = splitPath(path);
    let parentId: string | undefined;
    let group: KcGroup | undefined = known.get(path);
    let isNew = false;
    // A group already read (resolved by name) needs no walk down its parents.
    for (let i = group ? segments.length : 0; i < segments.length; i++) {
      const partial = `/${segments.slice(0, i + 1).join('/')}`;
      const existing = await lookup(partial);
      if (existing) {
        group = existing;
        parentId = existing.id;
        isNew = false;
        continue;
      }
      const rep: KcGroup = {
        name: segments[i],
        path: partial,
        attributes: {
          [KEYCLOAK_ATTRIBUTES.managedBy]: [ML_PLATFORM_MANAGER],
          [KEYCLOAK_ATTRIBUTES.createdFor]: [id.ref],
        },
      };
      const newId = env.dryRun
        ? undefined
        : await env.kc.createGroup(rep, parentId);
      group = { ...rep, id: newId };
      known.set(partial, group);
      parentId = newId;
      isNew = true;
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: partial,
        action: 'create',
      });
    }
    if (!group) continue;
    if (!isNew) {
      if (isOurGroup(group)) {
        const createdFor = createdForOf(group);
        if (!createdFor.includes(id.ref)) {
          const attributes = {
            ...group.attributes,
            [KEYCLOAK_ATTRIBUTES.createdFor]: [
              [...createdFor, id.ref].sort().join(','),
            ],
          };
          if (!env.dryRun)
            await env.kc.updateGroup(group.id!, { ...group, attributes });
          group = { ...group, attributes };
          known.set(path, group);
          env.changes.add({
            target: 'keycloak',
            kind: 'group',
            name: path,
            action: 'update',
            detail: 'records this instance',
          });
        } else {
          env.changes.add({
            target: 'keycloak',
            kind: 'group',
            name: path,
            action: 'unchanged',
          });
        }
      } else {
        env.changes.add({
          target: 'keycloak',
          kind: 'group',
          name: path,
          action: 'unchanged',
          detail: 'existing group, not ours',
        });
      }
    }
    result.push({ path, id: group.id, ours: isOurGroup(group), isNew });
  }
  return result;
}

/**
 * Lets go of the instance's groups: each group we created forgets this instance, and
 * is deleted when no other instance asked for it, it has no subgroups and no role of
 * any other client or realm role is mapped to it. Groups made by others stay, and so
 * do the `keep` paths (groups the instance still maps) with their parents.
 */
export async function releaseGroups(
  env: StepEnv,
  id: InstanceIdentity,
  paths: string[],
  keep: string[] = [],
): Promise<void> {
  const withParents = (list: string[]) =>
    list.flatMap(p => {
      const segments = splitPath(p);
      return segments.map((_, i) => `/${segments.slice(0, i + 1).join('/')}`);
    });
  // Groups still mapped (and their parents) stay as they are: this instance uses them.
  const kept = new Set(withParents(keep));
  // Parents we may have created come too; deepest first, so that a parent can go once
  // its children went.
  const ordered = [...new Set(withParents(paths))]
    .filter(p => !kept.has(p))
    .sort(
      (a, b) => splitPath(b).length - splitPath(a).length || a.localeCompare(b),
    );
  for (const path of ordered) {
    const group = await env.kc.findGroupByPath(path);
    if (!group) {
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'absent',
      });
      continue;
    }
    if (!isOurGroup(group)) {
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'foreign',
      });
      continue;
    }
    const others = createdForOf(group).filter(r => r !== id.ref);
    const hasChildren =
      (group.subGroupCount ?? group.subGroups?.length ?? 0) > 0;
    let inUse = others.length > 0 || hasChildren;
    if (!inUse) {
      const mappings = await env.kc.listGroupRoleMappings(group.id!);
      inUse =
        mappings.realmMappings.length > 0 ||
        Object.values(mappings.clientMappings).some(c => c.mappings.length > 0);
    }
    if (!inUse) {
      if (!env.dryRun) await env.kc.deleteGroup(group.id!);
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'delete',
      });
    } else if (others.length !== createdForOf(group).length) {
      const attributes = {
        ...group.attributes,
        [KEYCLOAK_ATTRIBUTES.createdFor]: others.length
          ? [others.sort().join(',')]
          : [],
      };
      if (!env.dryRun)
        await env.kc.updateGroup(group.id!, { ...group, attributes });
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'keep',
        detail: 'still used; forgets this instance',
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'keep',
        detail: 'still used',
      });
    }
  }
}
