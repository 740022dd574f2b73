import { ApiError, badRequest, unprocessable } from './errors';
import { clone, deepEqual, isObject, JsonObject } from './json';
import { listTypeAt } from './schema';

/** RFC 7386 JSON merge patch: objects merge recursively, `null` removes, the rest replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = applyMergePatch(result[k], v);
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// RFC 6902 JSON patch

function decodePointer(path: unknown): string[] {
  if (typeof path !== 'string')
    throw badRequest('jsonpatch: path must be a string');
  if (path === '') return [];
  if (!path.startsWith('/')) {
    throw badRequest(`jsonpatch: invalid JSON pointer ${JSON.stringify(path)}`);
  }
  return path
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonObject | unknown[];

/** Resolves the parent of the pointer's last token; 400 when the path does not exist. */
function parentOf(
  doc: unknown,
  tokens: string[],
  op: string,
): [Container, string] {
  let cur: unknown = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i];
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) {
      throw badRequest(
        `jsonpatch ${op} operation does not apply: doc is missing path: "/${tokens.join(
          '/',
        )}": missing value`,
      );
    }
  }
  if (!Array.isArray(cur) && !isObject(cur)) {
    throw badRequest(
      `jsonpatch ${op} operation does not apply: doc is missing path: "/${tokens.join(
        '/',
      )}"`,
    );
  }
  return [cur, tokens[tokens.length - 1]];
}

function arrayIndex(
  arr: unknown[],
  token: string,
  forInsert: boolean,
  op: string,
): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw badRequest(
      `jsonpatch ${op} operation does not apply: invalid array index ${JSON.stringify(
        token,
      )}`,
    );
  }
  const idx = Number(token);
  if (idx > arr.length || (!forInsert && idx === arr.length)) {
    throw badRequest(
      `jsonpatch ${op} operation does not apply: index out of bounds: ${idx}`,
    );
  }
  return idx;
}

function getAt(doc: unknown, tokens: string[], op: string): unknown {
  if (tokens.length === 0) return doc;
  const [parent, last] = parentOf(doc, tokens, op);
  const value = Array.isArray(parent)
    ? parent[arrayIndex(parent, last, false, op)]
    : parent[last];
  if (value === undefined) {
    throw badRequest(
      `jsonpatch ${op} operation does not apply: doc is missing key: /${tokens.join(
        '/',
      )}: missing value`,
    );
  }
  return value;
}

function removeAt(doc: unknown, tokens: string[], op: string): unknown {
  const [parent, last] = parentOf(doc, tokens, op);
  if (Array.isArray(parent)) {
    const idx = arrayIndex(parent, last, false, op);
    return parent.splice(idx, 1)[0];
  }
  if (!(last in parent)) {
    throw badRequest(
      `jsonpatch ${op} operation does not apply: doc is missing key: /${tokens.join(
        '/',
      )}: missing value`,
    );
  }
  const value = parent[last];
  delete parent[last];
  return value;
}

function addAt(
  doc: unknown,
  tokens: string[],
  value: unknown,
  op: string,
): unknown {
  if (tokens.length === 0) return value;
  const [parent, last] = parentOf(doc, tokens, op);
  if (Array.isArray(parent))
    parent.splice(arrayIndex(parent, last, true, op), 0, value);
  else parent[last] = value;
  return doc;
}

/**
 * Applies an RFC 6902 JSON patch. A malformed patch or a path that does not exist is a
 * 400; a failed `test` operation is a 422, as the API server answers.
 */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw badRequest(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  let doc = clone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw.op !== 'string') {
      throw badRequest(
        'jsonpatch: every operation must be an object with an "op"',
      );
    }
    const op = raw.op;
    const path = decodePointer(raw.path);
    switch (op) {
      case 'add':
        if (!('value' in raw))
          throw badRequest('jsonpatch add operation: missing value');
        doc = addAt(doc, path, clone(raw.value), op);
        break;
      case 'remove':
        removeAt(doc, path, op);
        break;
      case 'replace':
        if (!('value' in raw))
          throw badRequest('jsonpatch replace operation: missing value');
        if (path.length === 0) {
          doc = clone(raw.value);
        } else {
          getAt(doc, path, op);
          const [parent, last] = parentOf(doc, path, op);
          if (Array.isArray(parent))
            parent[arrayIndex(parent, last, false, op)] = clone(raw.value);
          else parent[last] = clone(raw.value);
        }
        break;
      case 'move': {
        const from = decodePointer(raw.from);
        const value = removeAt(doc, from, op);
        doc = addAt(doc, path, value, op);
        break;
      }
      case 'copy': {
        const from = decodePointer(raw.from);
        doc = addAt(doc, path, clone(getAt(doc, from, op)), op);
        break;
      }
      case 'test': {
        let actual: unknown;
        try {
          actual = getAt(doc, path, op);
        } catch (e) {
          if (e instanceof ApiError) actual = undefined;
          else throw e;
        }
        if (!deepEqual(actual, raw.value)) {
          throw unprocessable(
            `the server rejected our request due to an error in our request: testing value ${String(
              raw.path,
            )} failed: test failed`,
          );
        }
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------------------
// Strategic merge patch

const DIRECTIVE = '$patch';
const SET_ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';
const RETAIN_KEYS = '$retainKeys';

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

function mergeMap(
  original: unknown,
  patch: JsonObject,
  builtin: boolean,
  path: string[],
): JsonObject | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  if (directive !== undefined)
    throw badRequest(`Unknown patch type: ${String(directive)}`);

  const result: JsonObject = isObject(original) ? clone(original) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(SET_ORDER_PREFIX) || k === DIRECTIVE) continue;
    if (k === RETAIN_KEYS) continue;
    if (k.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      const field = k.slice(DELETE_PRIMITIVE_PREFIX.length);
      if (Array.isArray(result[field]) && Array.isArray(v)) {
        result[field] = (result[field] as unknown[]).filter(
          x => !v.some(d => deepEqual(d, x)),
        );
      }
      continue;
    }
    if (v === null) {
      delete result[k];
    } else if (isObject(v)) {
      const merged = mergeMap(result[k], v, builtin, [...path, k]);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    } else if (Array.isArray(v)) {
      result[k] = mergeList(result[k], v, builtin, [...path, k]);
    } else {
      result[k] = v;
    }
  }
  const retain = patch[RETAIN_KEYS];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result))
      if (!retain.includes(k)) delete result[k];
  }
  return result;
}

function mergeList(
  original: unknown,
  patch: unknown[],
  builtin: boolean,
  path: string[],
): unknown[] {
  const lt = listTypeAt(builtin, path);
  if (patch.some(i => isObject(i) && i[DIRECTIVE] === 'replace')) {
    return patch
      .filter(i => !(isObject(i) && i[DIRECTIVE] === 'replace'))
      .map(stripDirectives);
  }
  if (lt.type === 'set') {
    const out = Array.isArray(original) ? clone(original) : [];
    for (const v of patch)
      if (!out.some(x => deepEqual(x, v))) out.push(clone(v));
    return out;
  }
  if (lt.type !== 'map') return stripDirectives(patch) as unknown[];

  const key = lt.smpKey;
  const out: unknown[] = Array.isArray(original) ? clone(original) : [];
  for (const item of patch) {
    if (!isObject(item)) {
      throw badRequest(
        `unable to find api field in struct for the list item ${JSON.stringify(
          item,
        )} at ${path.join('.')}`,
      );
    }
    const idx = out.findIndex(o => isObject(o) && deepEqual(o[key], item[key]));
    if (item[DIRECTIVE] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx], item, builtin, path);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

/**
 * Strategic merge patch as the API server applies it to built-in kinds: maps merge,
 * lists with a merge key (containers, env, ports, volumes...) merge item by item,
 * `$patch: delete|replace` directives are honoured, other lists are replaced.
 */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  builtin: boolean,
): unknown {
  if (!isObject(patch)) {
    throw badRequest(
      'json: cannot unmarshal into Go value of type map[string]interface {}',
    );
  }
  return mergeMap(target, patch, builtin, []) ?? {};
}
