import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import { clone, getPath, isObject, JsonObject } from '../kubernetes/json';
import type { LoadedChart } from './package';

/**
 * Merges user values over a chart's defaults the way Helm coalesces them: maps merge
 * recursively, anything else is replaced, and a user `null` deletes the default.
 */
export function coalesce(defaults: JsonObject, values: JsonObject): JsonObject {
  const out = clone(defaults);
  for (const [k, v] of Object.entries(values)) {
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k]))
      out[k] = coalesce(out[k] as JsonObject, v);
    else out[k] = clone(v as JsonObject);
  }
  return out;
}

/** Whether a dependency is enabled: its condition path, when set in the values, decides. */
function enabled(
  condition: string | undefined,
  tags: string[] | undefined,
  values: JsonObject,
): boolean {
  for (const path of (condition ?? '').split(',').map(p => p.trim())) {
    if (!path) continue;
    const v = getPath(values, path.split('.'));
    if (typeof v === 'boolean') return v;
  }
  const tagValues = isObject(values.tags) ? values.tags : {};
  const set = (tags ?? []).filter(t => typeof tagValues[t] === 'boolean');
  if (set.length) return set.some(t => tagValues[t] === true);
  return true;
}

const validators = new WeakMap<object, ValidateFunction>();

/**
 * A compiled validator for a chart schema, with the draft its `$schema` names. References
 * the sandbox cannot resolve (remote `$ref`s) accept anything rather than fail compiling.
 */
function validatorFor(schema: JsonObject): ValidateFunction {
  const cached = validators.get(schema);
  if (cached) return cached;
  const { $schema, ...rest } = schema;
  const draft = String($schema ?? '');
  const options = {
    allErrors: true,
    strict: false,
    validateFormats: false,
    logger: false as const,
  };
  let ajv: Ajv;
  if (draft.includes('2020-12')) ajv = new Ajv2020(options);
  else if (draft.includes('2019-09')) ajv = new Ajv2019(options);
  else ajv = new Ajv(options);
  const body = withoutRemoteRefs(rest) as JsonObject;
  const fn = ajv.compile(body);
  validators.set(schema, fn);
  return fn;
}

function withoutRemoteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRemoteRefs);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && !v.startsWith('#')) continue;
    out[k] = withoutRemoteRefs(v) as JsonObject;
  }
  return out;
}

const q = (v: unknown) => `'${String(v)}'`;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** The value a JSON pointer names, through objects and arrays. */
function pointerValue(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** One error in the words Helm's schema validator uses. */
function describe(e: ErrorObject, data: unknown): string {
  const p = e.params as Record<string, any>;
  const value = pointerValue(data, e.instancePath);
  switch (e.keyword) {
    case 'type':
      return `got ${typeName(value)}, want ${String(p.type)}`;
    case 'required':
      return `missing property ${q(p.missingProperty)}`;
    case 'enum':
      return `value must be one of ${(p.allowedValues as unknown[])
        .map(v => JSON.stringify(v))
        .join(', ')}`;
    case 'const':
      return `value must be ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(
        p.limit,
      )} but found ${String(value)}`;
    case 'minLength':
      return `length must be >= ${p.limit}, but got ${String(value).length}`;
    case 'maxLength':
      return `length must be <= ${p.limit}, but got ${String(value).length}`;
    case 'pattern':
      return `${q(value)} does not match pattern ${q(p.pattern)}`;
    case 'minItems':
      return `minItems: got ${(value as unknown[]).length}, want ${p.limit}`;
    case 'maxItems':
      return `maxItems: got ${(value as unknown[]).length}, want ${p.limit}`;
    case 'false schema':
      return 'false schema';
    default:
      return e.message ?? e.keyword;
  }
}

/** The first combinator (`allOf`, `anyOf`, `oneOf`) on an error's schema path, if any. */
function combinatorOf(e: ErrorObject): string | undefined {
  const m = /^(.*?\/(allOf|anyOf|oneOf))(\/|$)/.exec(e.schemaPath);
  return m?.[1];
}

/**
 * Ajv's flat error list, grouped and worded as Helm prints it: one `- at '<pointer>':`
 * line per problem, additional properties of one object on one line, and errors under
 * an `allOf`/`anyOf`/`oneOf` nested below a `'allOf' failed` line.
 */
export function formatErrors(errors: ErrorObject[], data: unknown): string[] {
  const lines: string[] = [];
  const extra = new Map<string, string[]>();
  const groups = new Map<string, ErrorObject[]>();
  const order: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const comb = combinatorOf(e);
    if (comb) {
      if (!groups.has(comb)) {
        groups.set(comb, []);
        order.push(`group:${comb}`);
      }
      groups.get(comb)!.push(e);
      continue;
    }
    if (e.keyword === 'additionalProperties') {
      if (!extra.has(e.instancePath)) {
        extra.set(e.instancePath, []);
        order.push(`extra:${e.instancePath}`);
      }
      extra.get(e.instancePath)!.push(String(e.params.additionalProperty));
      continue;
    }
    order.push(`- at ${q(e.instancePath)}: ${describe(e, data)}`);
  }
  // Helm lists an object's unexpected properties before what its combinators report.
  order.sort(
    (a, b) => Number(b.startsWith('extra:')) - Number(a.startsWith('extra:')),
  );
  for (const item of order) {
    if (item.startsWith('extra:')) {
      const at = item.slice(6);
      lines.push(
        `- at ${q(at)}: additional properties ${extra
          .get(at)!
          .map(q)
          .join(', ')} not allowed`,
      );
    } else if (item.startsWith('group:')) {
      const comb = item.slice(6);
      const members = groups.get(comb)!;
      const head = members.find(m => m.schemaPath === `${comb}`);
      const ifError = errors.find(
        m => m.keyword === 'if' && m.schemaPath.startsWith(`${comb}/`),
      );
      const at = (head ?? ifError ?? members[0]).instancePath;
      const kind = comb.split('/').pop();
      lines.push(
        `- at ${q(at)}: '${kind}' failed${
          kind === 'oneOf' ? ', none matched' : ''
        }`,
      );
      for (const m of members) {
        if (m === head) continue;
        lines.push(`  - at ${q(m.instancePath)}: ${describe(m, data)}`);
      }
    } else lines.push(item);
  }
  return lines;
}

/**
 * Validates release values as Helm does before rendering: the coalesced values against
 * the chart's schema, and each enabled dependency's values (under its alias or name)
 * against that chart's schema. Returns Helm's error text, or undefined when valid.
 */
export function validateReleaseValues(
  loaded: LoadedChart,
  values: JsonObject,
): string | undefined {
  const failures: string[] = [];
  const visit = (node: LoadedChart, vals: JsonObject) => {
    const merged = coalesce(node.chart.defaults, vals);
    if (node.chart.schema) {
      const validate = validatorFor(node.chart.schema);
      if (!validate(merged)) {
        failures.push(
          `${node.chart.name}:\n${formatErrors(
            validate.errors ?? [],
            merged,
          ).join('\n')}`,
        );
      }
    }
    for (const d of node.dependencies) {
      if (!enabled(d.dep.condition, d.dep.tags, merged)) continue;
      const key = d.dep.alias ?? d.dep.name;
      const sub = isObject(merged[key]) ? (merged[key] as JsonObject) : {};
      const globals = isObject(merged.global) ? { global: merged.global } : {};
      visit(d.loaded, coalesce(sub, globals));
    }
  };
  visit(loaded, values);
  if (!failures.length) return undefined;
  return `values don't meet the specifications of the schema(s) in the following chart(s):\n${failures.join(
    '\n',
  )}`;
}
