import { createHash } from 'node:crypto';
import { crdSchema } from './crdSchema';
import { isObject, JsonObject } from './json';
import { builtinShape, Shape } from './knownFields';
import {
  groupVersion,
  resourceKey,
  ResourceRegistry,
  ResourceType,
} from './resources';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF } from './openapiProto';
import { listTypeAt } from './schema';
import type { ObjectStore } from './store';

/*
 * The OpenAPI documents an API server publishes, generated from the kinds the simulator
 * serves: the built-in kinds from the fields it knows (knownFields.ts, with the list keys
 * of schema.ts), custom resources from their CRD's `openAPIV3Schema`. Clients use them to
 * decide how to validate (kubectl sends `fieldValidation=Strict` when the PATCH operation
 * of a kind lists that parameter) and to find a kind's schema by its
 * `x-kubernetes-group-version-kind`.
 */

const GVK = 'x-kubernetes-group-version-kind';

const SPECIAL_PACKAGES: Record<string, string> = {
  'apiextensions.k8s.io':
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'metrics.k8s.io': 'io.k8s.metrics.pkg.apis.metrics',
};

/** The definition name the API server gives a kind, e.g. `io.k8s.api.apps.v1.Deployment`. */
export function definitionName(rt: ResourceType, version: string): string {
  if (rt.builtin) {
    const special = SPECIAL_PACKAGES[rt.group];
    if (special) return `${special}.${version}.${rt.kind}`;
    let pkg = rt.group || 'core';
    if (pkg.endsWith('.k8s.io'))
      pkg = pkg.slice(0, -'.k8s.io'.length).replace(/\./g, '');
    return `io.k8s.api.${pkg}.${version}.${rt.kind}`;
  }
  return `${rt.group.split('.').reverse().join('.')}.${version}.${rt.kind}`;
}

const OBJECT_META: JsonObject = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-map-type': 'atomic' },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
      'x-kubernetes-patch-merge-key': 'uid',
      'x-kubernetes-patch-strategy': 'merge',
    },
    finalizers: {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'set',
      'x-kubernetes-patch-strategy': 'merge',
    },
    managedFields: { type: 'array', items: { type: 'object' } },
    selfLink: { type: 'string' },
  },
};

const STRING_MAPS = new Set([
  'labels',
  'annotations',
  'data',
  'stringData',
  'binaryData',
]);

/** A schema for one field of a built-in kind; `path` holds field names only. */
function fromShape(shape: Shape, path: string[]): JsonObject {
  const name = path[path.length - 1];
  if (name === 'metadata' && shape !== true && !Array.isArray(shape))
    return OBJECT_META;
  const list = listTypeAt(true, path);
  const listExtensions = (): JsonObject =>
    list.type === 'map'
      ? {
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': list.keys,
          'x-kubernetes-patch-merge-key': list.smpKey,
          'x-kubernetes-patch-strategy': 'merge',
        }
      : {};
  if (Array.isArray(shape)) {
    return {
      type: 'array',
      items: fromShape(shape[0], path),
      ...listExtensions(),
    };
  }
  if (shape === true) {
    if (list.type === 'map')
      return { type: 'array', items: { type: 'object' }, ...listExtensions() };
    if (name === 'apiVersion' || name === 'kind') return { type: 'string' };
    if (STRING_MAPS.has(name) && path.length <= 2)
      return { type: 'object', additionalProperties: { type: 'string' } };
    // Anything is accepted below a field the simulator does not model.
    return {};
  }
  const properties: JsonObject = {};
  for (const [k, v] of Object.entries(shape))
    properties[k] = fromShape(v, [...path, k]);
  return { type: 'object', properties };
}

/** The OpenAPI v3 schema of one kind in one version, with its GVK extension. */
export function kindSchema(
  rt: ResourceType,
  version: string,
  store: ObjectStore,
): JsonObject {
  const gvk = [{ group: rt.group, version, kind: rt.kind }];
  if (rt.builtin) {
    const shape = builtinShape(resourceKey(rt));
    const base = shape
      ? fromShape(shape, [])
      : {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: OBJECT_META,
          },
          'x-kubernetes-preserve-unknown-fields': true,
        };
    return { ...base, [GVK]: gvk };
  }
  const declared = crdSchema(store, rt.group, rt.plural, version) ?? {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  };
  const props = isObject(declared.properties) ? declared.properties : {};
  return {
    ...declared,
    type: 'object',
    properties: {
      ...props,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: OBJECT_META,
    },
    [GVK]: gvk,
  };
}

const PATCH_CONTENT = (builtin: boolean) => [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
  ...(builtin ? ['application/strategic-merge-patch+json'] : []),
];

function queryParam(name: string, type = 'string'): JsonObject {
  return { name, in: 'query', schema: { type } };
}

const WRITE_PARAMS = () => [
  queryParam('dryRun'),
  queryParam('fieldManager'),
  queryParam('fieldValidation'),
];

function operation(
  rt: ResourceType,
  version: string,
  action: string,
  ref: string,
  extra: JsonObject = {},
): JsonObject {
  return {
    operationId: `${action}${rt.kind}`,
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: { $ref: ref } } },
      },
    },
    'x-kubernetes-action': action,
    [GVK]: { group: rt.group, version, kind: rt.kind },
    ...extra,
  };
}

/** The paths of one kind: collection and item, namespaced when the kind is. */
function kindPaths(
  rt: ResourceType,
  version: string,
  ref: string,
): Record<string, JsonObject> {
  const base =
    rt.group === '' ? `/api/${version}` : `/apis/${rt.group}/${version}`;
  const scope = rt.namespaced ? '/namespaces/{namespace}' : '';
  const body = (types: string[]) => ({
    requestBody: {
      content: Object.fromEntries(
        types.map(t => [t, { schema: { $ref: ref } }]),
      ),
    },
  });
  const pathParams = (item: boolean) => [
    ...(item
      ? [
          {
            name: 'name',
            in: 'path',
            required: true,
            schema: { type: 'string' },
          },
        ]
      : []),
    ...(rt.namespaced
      ? [
          {
            name: 'namespace',
            in: 'path',
            required: true,
            schema: { type: 'string' },
          },
        ]
      : []),
    queryParam('pretty'),
  ];
  const out: Record<string, JsonObject> = {};
  if (rt.virtual) {
    out[`${base}${scope}/${rt.plural}`] = {
      get: operation(rt, version, 'list', ref),
      parameters: pathParams(false),
    };
    return out;
  }
  out[`${base}${scope}/${rt.plural}`] = {
    get: operation(rt, version, 'list', ref),
    post: operation(rt, version, 'post', ref, {
      ...body(['application/json', 'application/yaml']),
      parameters: WRITE_PARAMS(),
    }),
    delete: operation(rt, version, 'deletecollection', ref),
    parameters: pathParams(false),
  };
  // kubectl looks for `fieldValidation` among the PATCH operation's parameters (and, in
  // some versions, the path's), so both carry it.
  out[`${base}${scope}/${rt.plural}/{name}`] = {
    get: operation(rt, version, 'get', ref),
    put: operation(rt, version, 'put', ref, {
      ...body(['application/json', 'application/yaml']),
      parameters: WRITE_PARAMS(),
    }),
    patch: operation(rt, version, 'patch', ref, {
      ...body(PATCH_CONTENT(rt.builtin)),
      parameters: [...WRITE_PARAMS(), queryParam('force', 'boolean')],
    }),
    delete: operation(rt, version, 'delete', ref, {
      parameters: [queryParam('dryRun')],
    }),
    parameters: [...pathParams(true), ...WRITE_PARAMS()],
  };
  if (rt.namespaced) {
    out[`${base}/${rt.plural}`] = {
      get: operation(rt, version, 'list', ref),
      parameters: [queryParam('pretty')],
    };
  }
  return out;
}

/** Drops `undefined` values (the documents are served as JSON). */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** `api/v1`, `apis/<group>/<version>`: the keys of the v3 index. */
function gvPath(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

function hashOf(doc: unknown): string {
  return createHash('sha512')
    .update(JSON.stringify(doc))
    .digest('hex')
    .slice(0, 64)
    .toUpperCase();
}

function allGroupVersions(registry: ResourceRegistry): string[] {
  const out = new Set<string>();
  for (const rt of registry.all())
    for (const v of rt.versions) out.add(groupVersion(rt.group, v));
  return [...out].sort();
}

/**
 * The OpenAPI v3 document of one group version (`/openapi/v3/api/v1`,
 * `/openapi/v3/apis/<group>/<version>`); undefined for a group version not served.
 *
 * @public
 */
export function openApiV3GroupVersion(
  registry: ResourceRegistry,
  store: ObjectStore,
  gv: string,
): JsonObject | undefined {
  const types = registry.inGroupVersion(gv);
  if (!types) return undefined;
  const version = gv.split('/').pop()!;
  const schemas: JsonObject = {};
  let paths: Record<string, JsonObject> = {};
  for (const rt of types) {
    const name = definitionName(rt, version);
    schemas[name] = kindSchema(rt, version, store);
    paths = {
      ...paths,
      ...kindPaths(rt, version, `#/components/schemas/${name}`),
    };
  }
  return clean({
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.31.0' },
    paths,
    components: { schemas },
  });
}

/**
 * The OpenAPI v3 index (`/openapi/v3`): one entry per group version, each with the URL
 * of its document and a hash that changes when the document does (clients cache on it).
 *
 * @public
 */
export function openApiV3Index(
  registry: ResourceRegistry,
  store: ObjectStore,
): JsonObject {
  const paths: JsonObject = {};
  for (const gv of allGroupVersions(registry)) {
    const doc = openApiV3GroupVersion(registry, store, gv);
    paths[gvPath(gv)] = {
      serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${hashOf(doc)}`,
    };
  }
  return { paths };
}

/** A v3 schema in the narrower dialect of Swagger 2.0, as the API server publishes it. */
function toV2(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (
      [
        'nullable',
        'anyOf',
        'oneOf',
        'allOf',
        'not',
        'x-kubernetes-validations',
      ].includes(k)
    )
      continue;
    if (k === 'properties' && isObject(v)) {
      out.properties = Object.fromEntries(
        Object.entries(v).map(([p, s]) => [p, toV2(s)]),
      );
    } else if (k === 'items' || k === 'additionalProperties') {
      out[k] = toV2(v);
    } else out[k] = v;
  }
  // Fields whose content is open (int-or-string, preserved unknown fields) lose their
  // type and properties, so that a validating client accepts whatever they hold.
  if (out['x-kubernetes-int-or-string'] === true) delete out.type;
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.properties;
    delete out.additionalProperties;
    delete out.required;
  }
  if (out.properties && out.additionalProperties !== undefined)
    delete out.additionalProperties;
  if (out.$ref && typeof out.$ref === 'string')
    out.$ref = out.$ref.replace('#/components/schemas/', '#/definitions/');
  return out;
}

/**
 * The OpenAPI v2 (Swagger 2.0) document of every served kind (`/openapi/v2`), as JSON.
 *
 * @public
 */
export function openApiV2(
  registry: ResourceRegistry,
  store: ObjectStore,
): JsonObject {
  const definitions: JsonObject = {};
  const paths: JsonObject = {};
  for (const gv of allGroupVersions(registry)) {
    const doc = openApiV3GroupVersion(registry, store, gv)!;
    const components = doc.components as { schemas: JsonObject };
    for (const [name, schema] of Object.entries(components.schemas))
      definitions[name] = toV2(schema);
    for (const [path, item] of Object.entries(doc.paths as JsonObject)) {
      const ops: JsonObject = {};
      for (const [method, op] of Object.entries(item as JsonObject)) {
        if (method === 'parameters') {
          ops.parameters = (op as JsonObject[]).map(p => ({
            name: p.name,
            in: p.in,
            type: isObject(p.schema) ? p.schema.type : 'string',
            ...(p.required ? { required: true } : {}),
            uniqueItems: true,
          }));
          continue;
        }
        const o = op as JsonObject;
        ops[method] = {
          operationId: o.operationId,
          consumes: isObject(o.requestBody)
            ? Object.keys(o.requestBody.content as JsonObject)
            : undefined,
          produces: ['application/json', 'application/yaml'],
          schemes: ['https'],
          parameters: [
            ...(isObject(o.requestBody)
              ? [
                  {
                    name: 'body',
                    in: 'body',
                    required: true,
                    schema: {
                      $ref: String(
                        (
                          Object.values(
                            (o.requestBody as JsonObject).content as JsonObject,
                          )[0] as { schema: { $ref: string } }
                        ).schema.$ref,
                      ).replace('#/components/schemas/', '#/definitions/'),
                    },
                  },
                ]
              : []),
            ...((o.parameters as JsonObject[] | undefined) ?? []).map(p => ({
              name: p.name,
              in: p.in,
              type: isObject(p.schema) ? p.schema.type : 'string',
              uniqueItems: true,
            })),
          ],
          responses: { '200': { description: 'OK' } },
          'x-kubernetes-action': o['x-kubernetes-action'],
          [GVK]: o[GVK],
        };
      }
      paths[path] = ops;
    }
  }
  return clean({
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.31.0' },
    paths,
    definitions,
  });
}

/** What answering an OpenAPI request produced. */
export interface OpenApiAnswer {
  code: number;
  body: unknown;
  /** A body that is not JSON (the v2 document in protobuf), with its media type. */
  raw?: { data: Buffer; contentType: string };
}

/**
 * Answers `GET /openapi/v2`, `/openapi/v3` and `/openapi/v3/<gv path>`; undefined for
 * other paths. JSON, and the v2 document in protobuf for the clients that ask for it; a
 * client that accepts neither gets 406.
 *
 * @public
 */
export function answerOpenApi(
  path: string,
  accept: string,
  registry: ResourceRegistry,
  store: ObjectStore,
): OpenApiAnswer | undefined {
  if (path !== '/openapi/v2' && !path.startsWith('/openapi/v3'))
    return undefined;
  const types = accept
    .split(',')
    .map(t => t.split(';')[0].trim().toLowerCase())
    .filter(Boolean);
  if (path === '/openapi/v2' && types.includes(OPENAPI_V2_PROTOBUF)) {
    return {
      code: 200,
      body: undefined,
      raw: {
        data: encodeOpenApiV2(openApiV2(registry, store)),
        // The media type asked for is not one Go's mime parser accepts in a reply.
        contentType: 'application/octet-stream',
      },
    };
  }
  const json =
    types.length === 0 ||
    types.some(
      t => t === 'application/json' || t === '*/*' || t === 'application/*',
    );
  if (!json) {
    return {
      code: 406,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `only application/json is served, not ${accept}`,
        reason: 'NotAcceptable',
        code: 406,
      },
    };
  }
  if (path === '/openapi/v2')
    return { code: 200, body: openApiV2(registry, store) };
  if (path === '/openapi/v3')
    return { code: 200, body: openApiV3Index(registry, store) };
  const rest = path.slice('/openapi/v3/'.length).split('/');
  let gv: string | undefined;
  if (rest[0] === 'api' && rest.length === 2) gv = rest[1];
  else if (rest[0] === 'apis' && rest.length === 3)
    gv = `${rest[1]}/${rest[2]}`;
  const doc = gv ? openApiV3GroupVersion(registry, store, gv) : undefined;
  if (!doc) {
    return {
      code: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        code: 404,
      },
    };
  }
  return { code: 200, body: doc };
}
