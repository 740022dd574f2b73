import { ApiError, StatusCause } from './errors';
import {
  decodeManaged,
  describePath,
  encodeManaged,
  fieldSet,
  FieldScope,
  inScope,
  isWithin,
  ManagerSet,
  parentPath,
  removeAt,
  sameOwner,
  valueAt,
} from './fields';
import { clone, deepEqual, isObject, JsonObject } from './json';
import { itemKey, listTypeAt } from './schema';
import type { KubeObject, ManagedFieldsEntry } from './types';

/** What every managed-fields computation needs to know about the write. */
export interface OwnershipContext {
  manager: string;
  apiVersion: string;
  /** `status` for writes to the status subresource. */
  subresource?: string;
  builtin: boolean;
  scope: FieldScope;
  /** RFC 3339 timestamp of the write. */
  now: string;
}

function isLeafComparable(path: string): boolean {
  return !path.endsWith('.') && !path.split('\u0001').pop()!.startsWith('v:');
}

function valuesDiffer(a: unknown, b: unknown, path: string): boolean {
  const va = valueAt(a, path);
  const vb = valueAt(b, path);
  if (va.found !== vb.found) return true;
  if (!isLeafComparable(path)) return false;
  return !deepEqual(va.value, vb.value);
}

/**
 * Managed fields after a non-apply write (create, update, patch): the writer's `Update`
 * entry gains every field it changed, other managers lose the fields that changed
 * under them, and fields that no longer exist are dropped from every entry.
 */
export function trackUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  ctx: OwnershipContext,
): ManagedFieldsEntry[] | undefined {
  const oldSet = old
    ? fieldSet(old, ctx.builtin, ctx.scope)
    : new Set<string>();
  const newSet = fieldSet(next, ctx.builtin, ctx.scope);
  const changed = new Set<string>();
  for (const p of newSet) {
    if (!oldSet.has(p) || valuesDiffer(old, next, p)) changed.add(p);
  }
  const removed = [...oldSet].filter(p => !newSet.has(p));
  const sets = decodeManaged(old);
  if (changed.size === 0 && removed.length === 0)
    return old?.metadata.managedFields;

  const gone = new Set([...changed, ...removed]);
  for (const s of sets) {
    if (sameOwner(s.entry, ctx.manager, 'Update', ctx.subresource)) continue;
    for (const p of [...s.paths])
      if (inScope(p, ctx.scope) && gone.has(p)) s.paths.delete(p);
  }
  let mine = sets.find(s =>
    sameOwner(s.entry, ctx.manager, 'Update', ctx.subresource),
  );
  if (!mine) {
    mine = {
      entry: {
        manager: ctx.manager,
        operation: 'Update',
        apiVersion: ctx.apiVersion,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
        ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
      },
      paths: new Set(),
    };
    sets.push(mine);
  }
  for (const p of [...mine.paths])
    if (inScope(p, ctx.scope) && !newSet.has(p)) mine.paths.delete(p);
  for (const p of changed) mine.paths.add(p);
  mine.entry = { ...mine.entry, apiVersion: ctx.apiVersion, time: ctx.now };
  return encodeManaged(sets);
}

/** One field another manager owns with a different value. */
export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  subresource?: string;
  path: string;
}

/** The 409 the API server answers when an apply would take fields from other managers. */
export function conflictError(
  kind: string,
  name: string,
  group: string,
  plural: string,
  conflicts: ApplyConflict[],
): ApiError {
  const owner = (c: ApplyConflict) =>
    `"${c.manager}"${
      c.subresource ? ` with subresource "${c.subresource}"` : ''
    } using ${c.apiVersion}`;
  const byOwner = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    const key = owner(c);
    byOwner.set(key, [...(byOwner.get(key) ?? []), c]);
  }
  const parts = [...byOwner.entries()].map(([o, cs]) =>
    cs.length === 1
      ? `conflict with ${o}: ${describePath(cs[0].path)}`
      : `conflicts with ${o}:\n${cs
          .map(c => `- ${describePath(c.path)}`)
          .join('\n')}`,
  );
  const n = conflicts.length;
  const causes: StatusCause[] = conflicts.map(c => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${owner(c)}`,
    field: describePath(c.path),
  }));
  void kind;
  return new ApiError(
    409,
    'Conflict',
    `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`,
    { name, ...(group ? { group } : {}), kind: plural, causes },
  );
}

/** Merges an applied configuration into the live object, list by list per schema. */
function mergeInto(
  live: unknown,
  cfg: unknown,
  builtin: boolean,
  schemaPath: string[],
): unknown {
  if (isObject(cfg)) {
    const out: JsonObject = isObject(live) ? live : {};
    for (const [k, v] of Object.entries(cfg)) {
      if (v === undefined) continue;
      out[k] = mergeInto(out[k], v, builtin, [...schemaPath, k]);
    }
    return out;
  }
  if (Array.isArray(cfg)) {
    const lt = listTypeAt(builtin, schemaPath);
    if (lt.type === 'set' && Array.isArray(live)) {
      const out = [...live];
      for (const v of cfg)
        if (!out.some(x => deepEqual(x, v))) out.push(clone(v));
      return out;
    }
    if (lt.type === 'map' && Array.isArray(live)) {
      const cfgKeys = cfg.map(i => itemKey(i, lt.keys));
      const liveKeys = live.map(i => itemKey(i, lt.keys));
      if (
        cfgKeys.some(k => k === undefined) ||
        liveKeys.some(k => k === undefined)
      ) {
        return clone(cfg);
      }
      const out = [...live];
      cfg.forEach((item, i) => {
        const idx = liveKeys.findIndex(k => deepEqual(k, cfgKeys[i]));
        if (idx >= 0) out[idx] = mergeInto(out[idx], item, builtin, schemaPath);
        else out.push(clone(item));
      });
      return out;
    }
    return clone(cfg);
  }
  return cfg;
}

/** Removes maps and lists left empty by a removal, like the API's omitempty encoding does. */
function pruneEmptyParents(
  obj: JsonObject,
  path: string,
  owned: (p: string) => boolean,
): void {
  let parent = parentPath(path);
  while (parent && parent.includes('\u0001')) {
    const v = valueAt(obj, parent);
    if (!v.found) return;
    const empty =
      (isObject(v.value) && Object.keys(v.value).length === 0) ||
      (Array.isArray(v.value) && v.value.length === 0);
    if (!empty || owned(parent)) return;
    removeAt(obj, parent);
    parent = parentPath(parent);
  }
}

/** The part of an applied configuration a write in this scope may set. */
function scopedConfig(config: KubeObject, scope: FieldScope): KubeObject {
  const cfg = clone(config);
  const meta: JsonObject = isObject(cfg.metadata) ? cfg.metadata : {};
  for (const k of [
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'managedFields',
    'selfLink',
  ]) {
    delete meta[k];
  }
  if (scope === 'main') delete cfg.status;
  if (scope === 'status') {
    return {
      apiVersion: cfg.apiVersion,
      kind: cfg.kind,
      metadata: {
        name: meta.name as string | undefined,
        ...(meta.namespace ? { namespace: meta.namespace as string } : {}),
      },
      ...(cfg.status !== undefined ? { status: cfg.status } : {}),
    };
  }
  cfg.metadata = meta;
  return cfg;
}

/**
 * Server-side apply: merges the configuration into the live object (or an empty one),
 * gives the applier ownership of exactly the fields it applied, removes fields it
 * applied before and no longer does (unless someone else owns them), and reports
 * conflicts with fields other managers own with a different value unless `force`.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  config: KubeObject,
  ctx: OwnershipContext & { force: boolean },
): { object: KubeObject; conflicts: ApplyConflict[] } {
  const cfg = scopedConfig(config, ctx.scope);
  const cfgSet = fieldSet(cfg, ctx.builtin, ctx.scope);
  const sets: ManagerSet[] = decodeManaged(live);
  const isMine = (s: ManagerSet) =>
    sameOwner(s.entry, ctx.manager, 'Apply', ctx.subresource);

  const conflicts: ApplyConflict[] = [];
  for (const s of sets) {
    if (s.entry.manager === ctx.manager) continue;
    for (const p of cfgSet) {
      if (!s.paths.has(p) || !isLeafComparable(p)) continue;
      if (valuesDiffer(live, cfg, p)) {
        conflicts.push({
          manager: s.entry.manager,
          apiVersion: s.entry.apiVersion,
          subresource: s.entry.subresource,
          path: p,
        });
      }
    }
  }
  if (conflicts.length && !ctx.force)
    return { object: live ?? cfg, conflicts: conflicts };
  for (const c of conflicts) {
    for (const s of sets) {
      if (
        s.entry.manager === c.manager &&
        (s.entry.subresource ?? '') === (c.subresource ?? '')
      ) {
        s.paths.delete(c.path);
      }
    }
  }

  const base: KubeObject = live ? clone(live) : { metadata: {} };
  const merged = mergeInto(base, cfg, ctx.builtin, []) as KubeObject;

  let mine = sets.find(isMine);
  const previously = mine
    ? [...mine.paths].filter(p => inScope(p, ctx.scope))
    : [];
  const ownedByOthers = (p: string) =>
    sets.some(s => !isMine(s) && [...s.paths].some(q => isWithin(q, p)));
  const dropped = previously
    .filter(p => !cfgSet.has(p))
    .sort((a, b) => b.length - a.length);
  for (const p of dropped) {
    if (cfgSet.has(p) || [...cfgSet].some(q => isWithin(q, p))) continue;
    if (ownedByOthers(p)) continue;
    removeAt(merged as JsonObject, p);
    pruneEmptyParents(
      merged as JsonObject,
      p,
      q => sets.some(s => s.paths.has(q)) || cfgSet.has(q),
    );
  }

  for (const s of sets) {
    if (isMine(s)) continue;
    for (const p of [...s.paths]) {
      if (inScope(p, ctx.scope) && !valueAt(merged, p).found) s.paths.delete(p);
    }
  }
  const changed = !deepEqual(withoutManaged(live), withoutManaged(merged));
  const sameSet =
    mine !== undefined &&
    mine.paths.size === cfgSet.size &&
    [...cfgSet].every(p => mine!.paths.has(p)) &&
    mine.entry.apiVersion === ctx.apiVersion;
  if (!mine) {
    mine = {
      entry: {
        manager: ctx.manager,
        operation: 'Apply',
        apiVersion: ctx.apiVersion,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
        ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
      },
      paths: new Set(),
    };
    sets.push(mine);
  }
  if (!sameSet || changed) {
    mine.paths = new Set(cfgSet);
    mine.entry = { ...mine.entry, apiVersion: ctx.apiVersion, time: ctx.now };
  }
  const managed = encodeManaged(sets);
  if (managed) merged.metadata.managedFields = managed;
  else delete merged.metadata.managedFields;
  return { object: merged, conflicts: [] };
}

function withoutManaged(obj: KubeObject | undefined): unknown {
  if (!obj) return undefined;
  const { managedFields: _ignored, ...meta } = obj.metadata ?? {};
  return { ...obj, metadata: meta };
}
