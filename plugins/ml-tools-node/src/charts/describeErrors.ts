import type { ErrorObject } from 'ajv';
import type { JsonValue } from '@backstage/types';
import { escapePointer, isJsonObject } from './coalesce';

/** A refused value, before it is tied to a chart. */
export interface SchemaIssue {
  path: string;
  message: string;
}

// Keywords whose own error only says "one of the branches below failed": their branch errors
// are folded into one message so the user reads one line per value, not one per branch.
const ABSORBING = new Set(['anyOf', 'oneOf', 'propertyNames']);

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'integer' : 'number';
  }
  return typeof value;
}

/**
 * `{ properties: { a: { properties: { b: { const: true } } } } }` read as "/a/b is true":
 * how chart authors write conditions in `if` and `not`, and how a user should read them.
 */
function conditionsOf(schema: unknown, pointer: string): string[] {
  if (!isJsonObject(schema)) return [];
  const out: string[] = [];
  if ('const' in schema) out.push(`${pointer || '/'} is ${show(schema.const)}`);
  if (Array.isArray(schema.enum)) {
    out.push(`${pointer || '/'} is one of ${schema.enum.map(show).join(', ')}`);
  }
  if (isJsonObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      out.push(...conditionsOf(sub, `${pointer}/${escapePointer(key)}`));
    }
  }
  return out;
}

function describeOne(e: ErrorObject, at: string): SchemaIssue {
  const p = e.params as Record<string, any>;
  const data = e.data as JsonValue | undefined;
  switch (e.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const prop = p.additionalProperty ?? p.unevaluatedProperty;
      return {
        path: `${at}/${escapePointer(prop)}`,
        message: `additional properties '${prop}' not allowed`,
      };
    }
    case 'required':
      return {
        path: `${at}/${escapePointer(p.missingProperty)}`,
        message: `missing property '${p.missingProperty}'`,
      };
    case 'dependencies':
    case 'dependentRequired':
      return {
        path: `${at}/${escapePointer(p.missingProperty)}`,
        message: `missing property '${p.missingProperty}', required when '${p.property}' is set`,
      };
    case 'type':
      return { path: at, message: `got ${jsonType(data)}, want ${p.type}` };
    case 'const':
      return { path: at, message: `value must be ${show(p.allowedValue)}` };
    case 'enum':
      return {
        path: at,
        message: `value must be one of ${(p.allowedValues as unknown[])
          .map(show)
          .join(', ')}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        path: at,
        message: `must be ${p.comparison} ${p.limit}, but got ${show(data)}`,
      };
    case 'multipleOf':
      return { path: at, message: `must be a multiple of ${p.multipleOf}` };
    case 'minLength':
    case 'maxLength':
      return {
        path: at,
        message: `length must be ${e.keyword === 'minLength' ? '>=' : '<='} ${
          p.limit
        }, but got ${String(data).length}`,
      };
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const what = e.keyword.endsWith('Items') ? 'items' : 'properties';
      const count = Array.isArray(data)
        ? data.length
        : Object.keys(isJsonObject(data) ? data : {}).length;
      const cmp = e.keyword.startsWith('min') ? '>=' : '<=';
      return {
        path: at,
        message: `must have ${cmp} ${p.limit} ${what}, but has ${count}`,
      };
    }
    case 'uniqueItems':
      return { path: at, message: `items at ${p.j} and ${p.i} are equal` };
    case 'pattern':
      return {
        path: at,
        message: `${show(data)} does not match pattern '${p.pattern}'`,
      };
    case 'format':
      return { path: at, message: `${show(data)} is not valid '${p.format}'` };
    case 'not': {
      const conditions = conditionsOf(e.schema, at);
      return {
        path: at,
        message: conditions.length
          ? `not allowed: ${conditions.join(' and ')}`
          : `'not' failed${describedBy(e)}`,
      };
    }
    case 'false schema':
      return { path: at, message: 'no value is allowed here' };
    default:
      return { path: at, message: e.message ?? `'${e.keyword}' failed` };
  }
}

function describedBy(e: ErrorObject): string {
  const description = isJsonObject(e.parentSchema)
    ? e.parentSchema.description
    : undefined;
  return typeof description === 'string' ? ` (${description})` : '';
}

function isUnder(inner: ErrorObject, outer: ErrorObject, branch = ''): boolean {
  return (
    inner !== outer &&
    inner.schemaPath.startsWith(`${outer.schemaPath}${branch}/`) &&
    inner.instancePath.startsWith(outer.instancePath)
  );
}

/** `#/allOf/1/if` → `#/allOf/1`: the `then`/`else` errors sit under that base. */
function ifBase(e: ErrorObject): ErrorObject {
  return { ...e, schemaPath: e.schemaPath.replace(/\/if$/, '') };
}

/**
 * Turns ajv's errors into one issue per refused value, with paths prefixed by `prefix` (the
 * chart's place in the release's values) and the rule in words.
 */
export function describeErrors(
  errors: readonly ErrorObject[],
  prefix: string,
): SchemaIssue[] {
  const absorbers = errors.filter(e => ABSORBING.has(e.keyword));
  const ifs = errors.filter(e => e.keyword === 'if').map(ifBase);
  const issues: SchemaIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (absorbers.some(a => isUnder(e, a))) continue;
    const at = `${prefix}${e.instancePath}`;
    if (ABSORBING.has(e.keyword)) {
      issues.push(describeAbsorber(e, errors, prefix));
      continue;
    }
    const issue = describeOne(e, at);
    const guard = ifs.find(
      i => isUnder(e, i, '/then') || isUnder(e, i, '/else'),
    );
    if (guard) {
      const ifSchema = isJsonObject(guard.parentSchema)
        ? guard.parentSchema.if
        : undefined;
      const when = conditionsOf(ifSchema, `${prefix}${guard.instancePath}`);
      const branch = e.schemaPath.startsWith(`${guard.schemaPath}/else/`)
        ? 'unless'
        : 'when';
      issue.message += when.length
        ? ` ${branch} ${when.join(' and ')}`
        : describedBy(guard);
    }
    issues.push(issue);
  }
  const seen = new Set<string>();
  return issues.filter(i => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeAbsorber(
  e: ErrorObject,
  errors: readonly ErrorObject[],
  prefix: string,
): SchemaIssue {
  const at = `${prefix}${e.instancePath}`;
  const p = e.params as Record<string, any>;
  if (e.keyword === 'propertyNames') {
    return {
      path: at,
      message: `property name ${show(p.propertyName)} is not allowed`,
    };
  }
  if (e.keyword === 'oneOf' && Array.isArray(p.passingSchemas)) {
    return {
      path: at,
      message: `matches more than one of the allowed forms (${p.passingSchemas.join(
        ' and ',
      )}); it must match exactly one`,
    };
  }
  const branches = new Map<string, string[]>();
  for (const sub of errors) {
    if (!isUnder(sub, e) || sub.keyword === 'if') continue;
    const index = sub.schemaPath.slice(e.schemaPath.length + 1).split('/')[0];
    const d = describeOne(sub, `${prefix}${sub.instancePath}`);
    const text = d.path === at ? d.message : `at '${d.path}': ${d.message}`;
    branches.set(index, [...(branches.get(index) ?? []), text]);
  }
  const forms = [...branches.values()].map(texts => texts.join(', '));
  return {
    path: at,
    message: forms.length
      ? `matches none of the allowed forms: ${forms.join('; or ')}`
      : `'${e.keyword}' failed${describedBy(e)}`,
  };
}
