import { isObject, JsonObject } from './json';

/*
 * The OpenAPI v2 document in protobuf, as older clients (kubectl before 1.27, which
 * validate and check dry-run support with it) ask for it: the Swagger 2.0 JSON of
 * openapi.ts re-encoded in the gnostic `openapi.v2.Document` message. Only what those
 * clients read is encoded: paths with their operations, parameters and vendor
 * extensions; definitions with their types, properties, items, additional properties,
 * required fields and vendor extensions (extension values as YAML, which JSON is).
 */

/** The media type clients ask `/openapi/v2` for. */
export const OPENAPI_V2_PROTOBUF =
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

type Part = Buffer;

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push(v % 0x80 | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function message(num: number, ...parts: Part[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([varint((num << 3) | 2), varint(body.length), body]);
}

function str(num: number, value: unknown): Buffer {
  if (value === undefined || value === null || value === '')
    return Buffer.alloc(0);
  const b = Buffer.from(String(value), 'utf8');
  return Buffer.concat([varint((num << 3) | 2), varint(b.length), b]);
}

function bool(num: number, value: unknown): Buffer {
  return value === true
    ? Buffer.concat([varint(num << 3), varint(1)])
    : Buffer.alloc(0);
}

/** `NamedAny` vendor extensions of an object's `x-` keys. */
function extensions(num: number, obj: JsonObject): Buffer[] {
  return Object.entries(obj)
    .filter(([k, v]) => k.startsWith('x-') && v !== undefined)
    .map(([k, v]) =>
      message(num, str(1, k), message(2, str(2, JSON.stringify(v)))),
    );
}

function schema(num: number, s: unknown): Buffer {
  if (!isObject(s)) return message(num);
  const parts: Buffer[] = [
    str(1, s.$ref),
    str(2, s.format),
    str(4, s.description),
  ];
  for (const r of Array.isArray(s.required) ? s.required : [])
    parts.push(str(19, r));
  if (s.additionalProperties === true || s.additionalProperties === false)
    parts.push(message(21, bool(2, s.additionalProperties)));
  else if (isObject(s.additionalProperties))
    parts.push(message(21, schema(1, s.additionalProperties)));
  if (typeof s.type === 'string') parts.push(message(22, str(1, s.type)));
  if (isObject(s.items)) parts.push(message(23, schema(1, s.items)));
  if (isObject(s.properties)) {
    parts.push(
      message(
        25,
        ...Object.entries(s.properties).map(([name, sub]) =>
          message(1, str(1, name), schema(2, sub)),
        ),
      ),
    );
  }
  parts.push(...extensions(31, s));
  return message(num, ...parts);
}

/** One `ParametersItem`, as field `num` (8 of an Operation, 9 of a PathItem). */
function parameter(num: number, p: JsonObject): Buffer {
  if (p.in === 'body') {
    return message(
      num,
      message(
        1,
        message(
          1,
          str(2, p.name),
          str(3, 'body'),
          bool(4, p.required),
          schema(5, p.schema),
        ),
      ),
    );
  }
  // Query parameters and path parameters share the fields encoded here.
  const sub = p.in === 'path' ? 4 : 3;
  const typeField = p.in === 'path' ? 5 : 6;
  return message(
    num,
    message(
      1,
      message(
        2,
        message(
          sub,
          bool(1, p.required),
          str(2, p.in),
          str(4, p.name),
          str(typeField, p.type),
        ),
      ),
    ),
  );
}

const METHODS: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  patch: 8,
};

function operation(num: number, op: JsonObject): Buffer {
  const list = (field: number, values: unknown) =>
    (Array.isArray(values) ? values : []).map(v => str(field, v));
  return message(
    num,
    str(5, op.operationId),
    ...list(6, op.produces),
    ...list(7, op.consumes),
    ...(Array.isArray(op.parameters)
      ? op.parameters.filter(isObject).map(p => parameter(8, p))
      : []),
    message(9, message(1, str(1, '200'), message(2, message(1, str(1, 'OK'))))),
    ...list(10, op.schemes),
    ...extensions(13, op),
  );
}

function pathItem(item: JsonObject): Buffer {
  const parts: Buffer[] = [];
  for (const [method, op] of Object.entries(item)) {
    const num = METHODS[method];
    if (num && isObject(op)) parts.push(operation(num, op));
  }
  for (const p of Array.isArray(item.parameters)
    ? item.parameters.filter(isObject)
    : [])
    parts.push(parameter(9, p));
  return message(2, ...parts);
}

/** Encodes a Swagger 2.0 document (as openapi.ts builds it) as an `openapi.v2.Document`. */
export function encodeOpenApiV2(doc: JsonObject): Buffer {
  const info = isObject(doc.info) ? doc.info : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  const definitions = isObject(doc.definitions) ? doc.definitions : {};
  return Buffer.concat([
    str(1, doc.swagger),
    message(2, str(1, info.title), str(2, info.version)),
    message(
      8,
      ...Object.entries(paths)
        .filter(([, item]) => isObject(item))
        .map(([name, item]) =>
          message(2, str(1, name), pathItem(item as JsonObject)),
        ),
    ),
    message(
      9,
      ...Object.entries(definitions).map(([name, s]) =>
        message(1, str(1, name), schema(2, s)),
      ),
    ),
  ]);
}
