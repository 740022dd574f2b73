import type { StatusCause } from './errors';
import { isObject, JsonObject } from './json';
import type { ObjectStore } from './store';

/** What checking an object against a structural schema found. */
export interface SchemaCheck {
  causes: StatusCause[];
  /** Paths of the fields the schema does not declare (removed from the object). */
  unknown: string[];
}

/** The `openAPIV3Schema` a CRD declares for one version, if any. */
export function crdSchema(
  store: ObjectStore,
  group: string,
  plural: string,
  version: string,
): JsonObject | undefined {
  const crd = store.get(
    'apiextensions.k8s.io/customresourcedefinitions',
    undefined,
    `${plural}.${group}`,
  );
  const spec = crd && isObject(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions)
    ? spec.versions.filter(isObject)
    : [];
  const v = versions.find(x => x.name === version);
  const schema = v && isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
  return isObject(schema) ? schema : undefined;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function json(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Validates and prunes a value against a structural schema the way the API server treats
 * custom resources: types, required fields, enums, patterns, lengths, bounds and simple
 * formats give causes with the field path; fields the schema does not declare are
 * removed unless `x-kubernetes-preserve-unknown-fields` keeps them, and nulls of
 * non-nullable fields are dropped. CEL rules (`x-kubernetes-validations`) are not run.
 */
function walk(
  value: unknown,
  schema: JsonObject,
  path: string,
  out: SchemaCheck,
): unknown {
  const field = path || '<root>';
  const invalid = (message: string, reason = 'FieldValueInvalid') =>
    out.causes.push({ reason, field, message });
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const actual = typeOf(value);
  const want = typeof schema.type === 'string' ? schema.type : undefined;
  if (
    want &&
    !intOrString &&
    actual !== want &&
    !(want === 'number' && actual === 'integer')
  ) {
    invalid(
      `Invalid value: "${actual}": ${field} in body must be of type ${want}: "${actual}"`,
      'FieldValueTypeInvalid',
    );
    return value;
  }
  if (intOrString && actual !== 'integer' && actual !== 'string') {
    invalid(
      `Invalid value: "${actual}": ${field} in body must be of type integer or string: "${actual}"`,
      'FieldValueTypeInvalid',
    );
    return value;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some(e => e === value)) {
    out.causes.push({
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${json(
        value,
      )}: supported values: ${schema.enum.map(e => json(e)).join(', ')}`,
    });
  }
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      invalid(
        `Too long: may not be more than ${schema.maxLength} bytes`,
        'FieldValueTooLong',
      );
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      invalid(
        `Invalid value: ${json(value)}: ${field} in body should be at least ${
          schema.minLength
        } chars long`,
      );
    if (
      typeof schema.pattern === 'string' &&
      !new RegExp(schema.pattern, 'u').test(value)
    )
      invalid(
        `Invalid value: ${json(value)}: ${field} in body should match '${
          schema.pattern
        }'`,
      );
    if (schema.format === 'date-time' && !DATE_TIME.test(value))
      invalid(
        `Invalid value: ${json(
          value,
        )}: ${field} in body must be of type date-time: ${json(value)}`,
      );
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      invalid(
        `Invalid value: ${value}: ${field} in body should be greater than or equal to ${schema.minimum}`,
      );
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      invalid(
        `Invalid value: ${value}: ${field} in body should be less than or equal to ${schema.maximum}`,
      );
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      out.causes.push({
        reason: 'FieldValueTooMany',
        field,
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      invalid(
        `Invalid value: ${value.length}: ${field} in body should have at least ${schema.minItems} items`,
      );
    const items = isObject(schema.items) ? schema.items : undefined;
    return items
      ? value.map((v, i) => walk(v, items, `${path}[${i}]`, out))
      : value;
  }
  if (isObject(value)) return walkObject(value, schema, path, out);
  return value;
}

function walkObject(
  value: JsonObject,
  schema: JsonObject,
  path: string,
  out: SchemaCheck,
): JsonObject {
  const props = isObject(schema.properties) ? schema.properties : {};
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  const result: JsonObject = {};
  const child = (k: string) => (path ? `${path}.${k}` : k);
  for (const [k, v] of Object.entries(value)) {
    const sub = props[k];
    if (v === null && !(isObject(sub) && sub.nullable === true)) continue;
    if (isObject(sub)) result[k] = walk(v, sub, child(k), out);
    else if (isObject(additional))
      result[k] = walk(v, additional, child(k), out);
    else if (
      preserve ||
      additional === true ||
      (embedded && ['apiVersion', 'kind', 'metadata'].includes(k))
    )
      result[k] = v;
    else out.unknown.push(child(k));
  }
  for (const r of Array.isArray(schema.required) ? schema.required : []) {
    if (result[String(r)] === undefined)
      out.causes.push({
        reason: 'FieldValueRequired',
        field: child(String(r)),
        message: 'Required value',
      });
  }
  return result;
}

const SERVER_OWNED = ['apiVersion', 'kind', 'metadata'];

/**
 * Checks a custom resource against its CRD schema and prunes it in place. The root's
 * `apiVersion`, `kind` and `metadata` belong to the API server and are left alone.
 */
export function checkCustomResource(
  obj: JsonObject,
  schema: JsonObject,
): SchemaCheck {
  const out: SchemaCheck = { causes: [], unknown: [] };
  const { apiVersion, kind, metadata, ...rest } = obj;
  const props = isObject(schema.properties) ? schema.properties : {};
  const body = walkObject(
    rest,
    {
      ...schema,
      properties: Object.fromEntries(
        Object.entries(props).filter(([k]) => !SERVER_OWNED.includes(k)),
      ),
      required: (Array.isArray(schema.required) ? schema.required : []).filter(
        k => !SERVER_OWNED.includes(String(k)),
      ),
    },
    '',
    out,
  );
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, { apiVersion, kind, metadata, ...body });
  return out;
}
