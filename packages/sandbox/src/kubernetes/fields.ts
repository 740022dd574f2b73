import { deepEqual, isObject, JsonObject } from './json';
import { itemKey, listTypeAt } from './schema';
import type { KubeObject, ManagedFieldsEntry } from './types';

/**
 * Field sets as server-side apply tracks them. A path is a list of path elements in the
 * `fieldsV1` notation (`f:name`, `k:{"name":"web"}`, `v:"value"`, `.`), joined with a
 * separator so that sets of paths are plain string sets.
 */
const SEP = '\u0001';

/** Metadata the server owns: never part of a manager's field set. */
const SYSTEM_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

/**
 * Which part of an object a write touches: `main` when the kind has a status subresource
 * (status is not the main endpoint's), `status` for the subresource, `all` otherwise.
 */
export type FieldScope = 'main' | 'status' | 'all';

/** Keys of the key object in list-map-key order, as the API server writes them. */
function keyElement(key: JsonObject): string {
  return `k:${JSON.stringify(key)}`;
}

function walk(
  value: unknown,
  builtin: boolean,
  schemaPath: string[],
  prefix: string,
  out: Set<string>,
): void {
  if (isObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      out.add(prefix);
      return;
    }
    for (const [k, v] of entries) {
      walk(v, builtin, [...schemaPath, k], `${prefix}${SEP}f:${k}`, out);
    }
    return;
  }
  if (Array.isArray(value)) {
    const lt = listTypeAt(builtin, schemaPath);
    if (lt.type === 'set' && value.length > 0) {
      for (const v of value) out.add(`${prefix}${SEP}v:${JSON.stringify(v)}`);
      return;
    }
    if (lt.type === 'map' && value.length > 0) {
      const keys = value.map(item => itemKey(item, lt.keys));
      if (keys.every(k => k !== undefined)) {
        value.forEach((item, i) => {
          const itemPrefix = `${prefix}${SEP}${keyElement(keys[i]!)}`;
          out.add(`${itemPrefix}${SEP}.`);
          for (const [k, v] of Object.entries(item as JsonObject)) {
            if (v === undefined) continue;
            walk(
              v,
              builtin,
              [...schemaPath, k],
              `${itemPrefix}${SEP}f:${k}`,
              out,
            );
          }
        });
        return;
      }
    }
    out.add(prefix);
    return;
  }
  out.add(prefix);
}

/** The set of fields an object sets, within a scope. */
export function fieldSet(
  obj: KubeObject | JsonObject,
  builtin: boolean,
  scope: FieldScope,
): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || k === 'apiVersion' || k === 'kind') continue;
    if (scope === 'status' && k !== 'status') continue;
    if (scope === 'main' && k === 'status') continue;
    if (k === 'metadata') {
      if (!isObject(v)) continue;
      for (const [mk, mv] of Object.entries(v)) {
        if (mv === undefined || SYSTEM_METADATA.has(mk)) continue;
        walk(mv, builtin, ['metadata', mk], `f:metadata${SEP}f:${mk}`, out);
      }
      continue;
    }
    walk(v, builtin, [k], `f:${k}`, out);
  }
  return out;
}

/** Converts a path set into the nested `fieldsV1` object, keys sorted as the server does. */
export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let node = root;
    for (const el of p.split(SEP)) {
      const existing = node[el];
      let next: JsonObject;
      if (isObject(existing)) next = existing;
      else {
        next = {};
        node[el] = next;
      }
      node = next;
    }
  }
  return sortTree(root);
}

function sortTree(node: JsonObject): JsonObject {
  const out: JsonObject = {};
  const keys = Object.keys(node).sort((a, b) => {
    if (a === '.') return -1;
    if (b === '.') return 1;
    if (a === b) return 0;
    return a < b ? -1 : 1;
  });
  for (const k of keys) out[k] = sortTree(node[k] as JsonObject);
  return out;
}

/** Converts a `fieldsV1` object back into a path set. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (node: unknown, prefix: string) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0) {
      if (prefix) out.add(prefix);
      return;
    }
    for (const k of keys) visit(node[k], prefix ? `${prefix}${SEP}${k}` : k);
  };
  visit(tree, '');
  return out;
}

function parseElement(el: string): { type: string; value: unknown } {
  if (el === '.') return { type: '.', value: undefined };
  const type = el.slice(0, 1);
  const rest = el.slice(2);
  return { type, value: type === 'f' ? rest : JSON.parse(rest) };
}

function findItem(list: unknown[], key: JsonObject): number {
  const keys = Object.keys(key);
  return list.findIndex(item => deepEqual(itemKey(item, keys), key));
}

/** The value a path designates in an object; `found` is false when it is absent. */
export function valueAt(
  obj: unknown,
  path: string,
): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const el of path.split(SEP)) {
    const { type, value } = parseElement(el);
    if (type === '.') return { found: true, value: cur };
    if (type === 'f') {
      if (!isObject(cur) || !(String(value) in cur)) return { found: false };
      cur = cur[String(value)];
    } else if (type === 'k') {
      if (!Array.isArray(cur)) return { found: false };
      const idx = findItem(cur, value as JsonObject);
      if (idx < 0) return { found: false };
      cur = cur[idx];
    } else if (type === 'v') {
      if (!Array.isArray(cur) || !cur.some(x => deepEqual(x, value)))
        return { found: false };
      cur = value;
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** Removes the field, list item or set value a path designates. */
export function removeAt(obj: JsonObject, path: string): void {
  const els = path.split(SEP);
  if (els[els.length - 1] === '.') els.pop();
  let cur: unknown = obj;
  for (let i = 0; i < els.length - 1; i++) {
    const { type, value } = parseElement(els[i]);
    if (type === 'f' && isObject(cur)) cur = cur[String(value)];
    else if (type === 'k' && Array.isArray(cur))
      cur = cur[findItem(cur, value as JsonObject)];
    else return;
    if (cur === undefined) return;
  }
  const { type, value } = parseElement(els[els.length - 1]);
  if (type === 'f' && isObject(cur)) delete cur[String(value)];
  else if (type === 'k' && Array.isArray(cur)) {
    const idx = findItem(cur, value as JsonObject);
    if (idx >= 0) cur.splice(idx, 1);
  } else if (type === 'v' && Array.isArray(cur)) {
    const idx = cur.findIndex(x => deepEqual(x, value));
    if (idx >= 0) cur.splice(idx, 1);
  }
}

/** `.spec.containers[name="web"].image`, the notation of conflict messages. */
export function describePath(path: string): string {
  let out = '';
  for (const el of path.split(SEP)) {
    const { type, value } = parseElement(el);
    if (type === 'f') out += `.${String(value)}`;
    else if (type === 'k') {
      out += `[${Object.entries(value as JsonObject)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (type === 'v') out += `[=${JSON.stringify(value)}]`;
  }
  return out;
}

/** True when `path` is `ancestor` or lies below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(ancestor + SEP);
}

/** The parent path of a path (drops the last element, and a trailing `.`). */
export function parentPath(path: string): string {
  const els = path.split(SEP);
  if (els[els.length - 1] === '.') els.pop();
  els.pop();
  return els.join(SEP);
}

/** Decoded managed-fields entry: the entry plus its path set. */
export interface ManagerSet {
  entry: ManagedFieldsEntry;
  paths: Set<string>;
}

/** Decodes `metadata.managedFields`. */
export function decodeManaged(obj: KubeObject | undefined): ManagerSet[] {
  const list = obj?.metadata?.managedFields;
  if (!Array.isArray(list)) return [];
  return list.map(entry => ({ entry, paths: fromFieldsV1(entry.fieldsV1) }));
}

/** Identity of a managed-fields entry: manager, operation and subresource. */
export function sameOwner(
  e: ManagedFieldsEntry,
  manager: string,
  operation: string,
  subresource: string | undefined,
): boolean {
  return (
    e.manager === manager &&
    e.operation === operation &&
    (e.subresource ?? '') === (subresource ?? '')
  );
}

/** Which paths of a set fall into a scope. */
export function inScope(path: string, scope: FieldScope): boolean {
  const isStatus = path === 'f:status' || path.startsWith(`f:status${SEP}`);
  if (scope === 'status') return isStatus;
  if (scope === 'main') return !isStatus;
  return true;
}

/** Re-encodes decoded entries, dropping empty ones and reusing unchanged entries as they were. */
export function encodeManaged(
  sets: ManagerSet[],
): ManagedFieldsEntry[] | undefined {
  const out: ManagedFieldsEntry[] = [];
  for (const s of sets) {
    if (s.paths.size === 0) continue;
    out.push({ ...s.entry, fieldsV1: toFieldsV1(s.paths) });
  }
  return out.length ? out : undefined;
}
