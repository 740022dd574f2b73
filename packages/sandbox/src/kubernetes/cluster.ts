import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  staleResourceVersion,
  StatusCause,
  unsupportedMediaType,
} from './errors';
import { checkCustomResource, crdSchema } from './crdSchema';
import { FieldScope } from './fields';
import { unknownBuiltinFields } from './knownFields';
import { FOREGROUND_FINALIZER } from './foreground';
import { clone, deepEqual, isObject, JsonObject } from './json';
import { conflictError, serverSideApply, trackUpdate } from './managed';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from './patch';
import {
  groupVersion,
  preinstalledCrds,
  resourceKey,
  ResourceRegistry,
  ResourceType,
  typeFromCrd,
} from './resources';
import { applyDefaults } from './schema';
import {
  fromLabelSelectorObject,
  matchesFields,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import { ObjectStore } from './store';
import { rfc3339 } from './time';
import { awaitsKubelet, deletePodGracefully, PODS } from './termination';
import type { KubeObject, ManagedFieldsEntry } from './types';
import { validateLabelsAndAnnotations, validateName } from './validation';

/**
 * Patch content types, as sent in `Content-Type`.
 *
 * @public
 */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * Options of one write, from the request's query string.
 *
 * @public
 */
export interface WriteOptions {
  /** `dryRun=All`: answer with the would-be object, store nothing. */
  dryRun?: boolean;
  fieldManager?: string;
  /** Server-side apply only: take conflicting fields from other managers. */
  force?: boolean;
  /** The manager name when no `fieldManager` is given, as the API server derives it. */
  userAgent?: string;
  /** `fieldValidation`: `Strict` refuses fields the kind does not have (400). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/**
 * Options of a list, from the request's query string.
 *
 * @public
 */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/**
 * Outcome of a write: the object to answer with, and whether anything was stored.
 *
 * @public
 */
export interface WriteResult {
  object: KubeObject;
  /** HTTP status: 201 for creations, 200 otherwise. */
  code: number;
  /** False for no-op writes: nothing stored, resourceVersion unchanged. */
  changed: boolean;
}

/** What identifies the writer whose managed-fields entry a change is recorded under. */
interface Actor {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource?: string;
}

/** Kinds whose DELETE answers with the object rather than a `Status`, as in the API. */
const RETURNS_DELETED_OBJECT = new Set(['/pods', '/services', '/namespaces']);

const CONTINUE_VERSION = 'meta.k8s.io/v1';

function managerFrom(opts: WriteOptions): string {
  if (opts.fieldManager) return opts.fieldManager;
  const ua = (opts.userAgent ?? '').split('/')[0].trim();
  return ua || 'unknown';
}

function shortId(length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** The object without what never counts as a change (resourceVersion, managedFields times). */
function comparable(obj: KubeObject): unknown {
  const { resourceVersion: _rv, managedFields, ...meta } = obj.metadata;
  return {
    ...obj,
    metadata: {
      ...meta,
      managedFields: managedFields?.map(({ time: _t, ...rest }) => rest),
    },
  };
}

function withoutManagedFields(obj: KubeObject): unknown {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

/** Spec-like content, whose changes bump `metadata.generation`. */
function specOf(obj: KubeObject, rt: ResourceType): unknown {
  const { metadata: _m, status, ...rest } = obj;
  return rt.status ? rest : { ...rest, status };
}

/** Which fields a write may touch: status only via its subresource when the kind has one. */
function scopeOf(
  rt: ResourceType,
  subresource: string | undefined,
): FieldScope {
  if (subresource === 'status') return 'status';
  return rt.status ? 'main' : 'all';
}

const METADATA_ORDER = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** Key order as the API server serialises objects, so answers read like a real cluster's. */
function canonicalOrder(obj: KubeObject): KubeObject {
  const meta: JsonObject = {};
  for (const k of METADATA_ORDER)
    if (obj.metadata[k] !== undefined) meta[k] = obj.metadata[k];
  for (const [k, v] of Object.entries(obj.metadata))
    if (!(k in meta) && v !== undefined) meta[k] = v;
  const { apiVersion, kind, metadata: _m, status, ...rest } = obj;
  return {
    apiVersion,
    kind,
    metadata: meta as KubeObject['metadata'],
    ...rest,
    ...(status !== undefined ? { status } : {}),
  };
}

/**
 * The state and API semantics of one simulated cluster: storage, validation, optimistic
 * concurrency, patches, server-side apply with managed fields, deletion with finalizers.
 * The HTTP layer and the controllers both go through it, so they see the same rules.
 *
 * @public
 */
export class Cluster {
  readonly registry = new ResourceRegistry();
  readonly store = new ObjectStore();
  private readonly clock: () => Date;
  private nextClusterIp = 1;

  constructor(options: { now?: () => Date } = {}) {
    this.clock = options.now ?? (() => new Date());
    this.store.subscribe(e => {
      if (e.resource !== 'apiextensions.k8s.io/customresourcedefinitions')
        return;
      if (e.type === 'DELETED') this.unregisterCrd(e.object);
      else this.registerCrd(e.object);
    });
  }

  now(): string {
    return rfc3339(this.clock());
  }

  /** Creates what every cluster starts with: system namespaces and the installed CRDs. */
  bootstrap(): void {
    for (const name of [
      'default',
      'kube-system',
      'kube-public',
      'kube-node-lease',
    ]) {
      this.ensure(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        'kube-apiserver',
      );
    }
    for (const crd of preinstalledCrds()) this.ensure(crd, 'sandbox-installer');
  }

  /** Applies an object as a controller or installer would (forced server-side apply). */
  ensure(
    obj: KubeObject,
    manager: string,
    subresource?: 'status',
  ): WriteResult {
    const rt = this.typeOf(obj);
    const version = obj.apiVersion!.split('/').pop()!;
    return this.apply(
      rt,
      version,
      obj.metadata.namespace,
      obj.metadata.name!,
      obj,
      { fieldManager: manager, force: true },
      subresource,
    );
  }

  /** The resource type of an object, from its apiVersion and kind. */
  typeOf(obj: { apiVersion?: string; kind?: string }): ResourceType {
    const rt =
      obj.apiVersion && obj.kind
        ? this.registry.byKind(obj.apiVersion, obj.kind)
        : undefined;
    if (!rt) {
      throw badRequest(
        `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`,
      );
    }
    return rt;
  }

  // -------------------------------------------------------------------------------------
  // CRDs

  private registerCrd(crd: KubeObject): void {
    const rt = typeFromCrd(crd);
    if (!rt.plural || !rt.group || !rt.versions.length) return;
    if (this.registry.isBuiltin(resourceKey(rt))) return;
    this.registry.add(rt);
  }

  private unregisterCrd(crd: KubeObject): void {
    const rt = typeFromCrd(crd);
    const key = resourceKey(rt);
    if (this.registry.isBuiltin(key)) return;
    this.registry.remove(key);
    this.store.dropResource(key);
  }

  /** Rebuilds the registry from stored CRDs (after loading a snapshot). */
  reloadCrds(): void {
    for (const { object } of this.store.select(
      'apiextensions.k8s.io/customresourcedefinitions',
    )) {
      this.registerCrd(object);
    }
  }

  // -------------------------------------------------------------------------------------
  // Reads

  /** The answer form of a stored object in the requested version. */
  present(rt: ResourceType, obj: KubeObject, version: string): KubeObject {
    const gv = groupVersion(rt.group, version);
    if (obj.apiVersion === gv) return obj;
    return { ...obj, apiVersion: gv };
  }

  get(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const obj = this.store.get(
      resourceKey(rt),
      rt.namespaced ? namespace : undefined,
      name,
    );
    if (!obj) throw notFound(rt, name);
    return obj;
  }

  /** Lists with selectors and paging; items are in key order like etcd returns them. */
  list(
    rt: ResourceType,
    namespace: string | undefined,
    options: ListOptions,
  ): {
    items: KubeObject[];
    resourceVersion: string;
    continue?: string;
    remainingItemCount?: number;
  } {
    const key = resourceKey(rt);
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, key);
    let after: string | undefined;
    let listRv = this.store.resourceVersion();
    if (options.continue) {
      try {
        const token = JSON.parse(
          Buffer.from(options.continue, 'base64').toString('utf8'),
        );
        if (token.v !== CONTINUE_VERSION || typeof token.start !== 'string')
          throw new Error('bad');
        after = token.start.endsWith('\u0000')
          ? token.start.slice(0, -1)
          : token.start;
        listRv = String(token.rv);
      } catch {
        throw badRequest(
          'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
        );
      }
    }
    const rows = this.store
      .select(key, {
        namespace: rt.namespaced ? namespace : undefined,
        labels,
        after,
      })
      .filter(r => fields.length === 0 || matchesFields(fields, r.object));
    const limit =
      options.limit && options.limit > 0 ? options.limit : undefined;
    if (limit === undefined || rows.length <= limit) {
      return { items: rows.map(r => r.object), resourceVersion: listRv };
    }
    const page = rows.slice(0, limit);
    const last = page[page.length - 1].key;
    const token = Buffer.from(
      JSON.stringify({
        v: CONTINUE_VERSION,
        rv: Number(listRv),
        start: `${last}\u0000`,
      }),
    ).toString('base64');
    return {
      items: page.map(r => r.object),
      resourceVersion: listRv,
      continue: token,
      // The API server cannot count what remains under a selector, so it omits the count.
      ...(labels.length || fields.length
        ? {}
        : { remainingItemCount: rows.length - limit }),
    };
  }

  /** Pod metrics computed from the pods that are running (metrics.k8s.io answers). */
  podMetrics(
    namespace: string | undefined,
    options: ListOptions,
  ): KubeObject[] {
    const pods = this.list(this.registry.get('/pods')!, namespace, {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    }).items;
    const now = this.now();
    return pods
      .filter(p => isObject(p.status) && p.status.phase === 'Running')
      .map(p => ({
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'PodMetrics',
        metadata: {
          name: p.metadata.name,
          namespace: p.metadata.namespace,
          creationTimestamp: now,
          ...(p.metadata.labels ? { labels: p.metadata.labels } : {}),
        },
        timestamp: now,
        window: '30s',
        containers: (isObject(p.spec) && Array.isArray(p.spec.containers)
          ? p.spec.containers
          : []
        )
          .filter(isObject)
          .map(c => ({ name: c.name, usage: { cpu: '2m', memory: '24Mi' } })),
      }));
  }

  // -------------------------------------------------------------------------------------
  // Writes

  private checkTypeMeta(
    rt: ResourceType,
    version: string,
    obj: KubeObject,
    required: boolean,
  ): void {
    const expected = groupVersion(rt.group, version);
    if (required && (!obj.apiVersion || !obj.kind)) {
      throw badRequest(
        `Object 'Kind' is missing in '${JSON.stringify(obj).slice(0, 200)}'`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      throw badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${rt.kind})`,
      );
    }
    obj.apiVersion = expected;
    obj.kind = rt.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isObject(obj.metadata)) throw badRequest('metadata must be an object');
  }

  private placeNamespace(
    rt: ResourceType,
    obj: KubeObject,
    namespace: string | undefined,
  ): void {
    if (!rt.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (
      obj.metadata.namespace &&
      namespace &&
      obj.metadata.namespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    if (!obj.metadata.namespace)
      throw badRequest('a namespace must be specified');
  }

  /** Creating in a missing namespace is a 404, in a terminating one a 403, as in the API. */
  private checkNamespaceAcceptsNew(
    rt: ResourceType,
    namespace: string,
    name: string,
  ): void {
    const ns = this.store.get('/namespaces', undefined, namespace);
    if (!ns) {
      throw new ApiError(
        404,
        'NotFound',
        `namespaces "${namespace}" not found`,
        {
          name: namespace,
          kind: 'namespaces',
        },
      );
    }
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(
        rt,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      );
    }
  }

  private parseBody(raw: string | JsonObject, contentType: string): KubeObject {
    if (typeof raw !== 'string') return clone(raw) as KubeObject;
    let parsed: unknown;
    try {
      parsed = /yaml/.test(contentType) ? parseYaml(raw) : JSON.parse(raw);
    } catch (e) {
      throw badRequest(
        `the request body is not valid ${
          /yaml/.test(contentType) ? 'YAML' : 'JSON'
        }: ${(e as Error).message}`,
      );
    }
    if (!isObject(parsed)) {
      throw badRequest(
        'json: cannot unmarshal into Go value of type struct: the body must be an object',
      );
    }
    return parsed as KubeObject;
  }

  /** POST: creates an object. */
  create(
    rt: ResourceType,
    version: string,
    namespace: string | undefined,
    body: string | JsonObject,
    contentType: string,
    opts: WriteOptions,
  ): WriteResult {
    const obj = this.parseBody(body, contentType);
    this.checkTypeMeta(rt, version, obj, false);
    this.placeNamespace(rt, obj, namespace);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName)
      meta.name = `${meta.generateName}${shortId(5)}`;
    if (!meta.name) {
      throw invalid(rt.kind, rt.group, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    this.validateNewName(rt, meta.name);
    if (rt.namespaced)
      this.checkNamespaceAcceptsNew(rt, meta.namespace!, meta.name);
    if (this.store.get(resourceKey(rt), meta.namespace, meta.name)) {
      throw alreadyExists(rt, meta.name);
    }
    const actor: Actor = { manager: managerFrom(opts), operation: 'Update' };
    delete meta.managedFields;
    return this.commit(rt, undefined, obj, {
      dryRun: opts.dryRun,
      fieldValidation: opts.fieldValidation,
      actor,
      version,
    });
  }

  private validateNewName(rt: ResourceType, name: string): void {
    const causes = validateName(name, rt.nameRule);
    if (causes.length) throw invalid(rt.kind, rt.group, name, causes);
  }

  /** PUT: replaces an object (or its status), with optimistic concurrency. */
  update(
    rt: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    body: string | JsonObject,
    contentType: string,
    opts: WriteOptions,
    subresource?: 'status',
  ): WriteResult {
    const obj = this.parseBody(body, contentType);
    this.checkTypeMeta(rt, version, obj, false);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    obj.metadata.name = name;
    this.placeNamespace(rt, obj, namespace);
    const live = this.get(rt, namespace, name);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion) {
      throw staleResourceVersion(rt, name);
    }
    if ((rv === undefined || rv === '') && !rt.builtin) {
      throw invalid(rt.kind, rt.group, name, [
        {
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    obj.metadata.managedFields = live.metadata.managedFields;
    const actor: Actor = {
      manager: managerFrom(opts),
      operation: 'Update',
      subresource,
    };
    return this.commit(rt, live, obj, {
      dryRun: opts.dryRun,
      fieldValidation: opts.fieldValidation,
      actor,
      subresource,
      version,
    });
  }

  /** PATCH with any of the four patch content types. */
  patch(
    rt: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    body: string,
    contentType: string,
    opts: WriteOptions,
    subresource?: 'status',
  ): WriteResult {
    const type = contentType.split(';')[0].trim().toLowerCase();
    const accepted = rt.builtin
      ? Object.values(PATCH_TYPES)
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply];
    if (!(accepted as string[]).includes(type))
      throw unsupportedMediaType(type, accepted);
    if (type === PATCH_TYPES.apply) {
      return this.apply(rt, version, namespace, name, body, opts, subresource);
    }
    if (opts.force) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueForbidden',
          field: 'force',
          message: 'Forbidden: may not be specified for non-apply patch',
        },
      ]);
    }
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    const live = this.get(rt, namespace, name);
    const base = clone(live);
    let patched: unknown;
    if (type === PATCH_TYPES.json) patched = applyJsonPatch(base, patch);
    else if (type === PATCH_TYPES.merge) {
      if (!isObject(patch))
        throw badRequest(
          'error decoding patch: a merge patch must be an object',
        );
      patched = applyMergePatch(base, patch);
    } else patched = applyStrategicMergePatch(base, patch, rt.builtin);
    if (!isObject(patched) || !isObject(patched.metadata)) {
      throw badRequest('the patch produced an object without metadata');
    }
    const next = patched as KubeObject;
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== live.metadata.resourceVersion) {
      throw staleResourceVersion(rt, name);
    }
    if (next.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(
          next.metadata.name,
        )}) does not match the name on the URL (${name})`,
      );
    }
    this.checkTypeMeta(rt, live.apiVersion!.split('/').pop()!, next, false);
    next.metadata.managedFields = live.metadata.managedFields;
    const actor: Actor = {
      manager: managerFrom(opts),
      operation: 'Update',
      subresource,
    };
    return this.commit(rt, live, next, {
      dryRun: opts.dryRun,
      fieldValidation: opts.fieldValidation,
      actor,
      subresource,
      version,
    });
  }

  /** Server-side apply (`application/apply-patch+yaml`); creates the object if missing. */
  apply(
    rt: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    body: string | JsonObject,
    opts: WriteOptions,
    subresource?: 'status',
  ): WriteResult {
    if (!opts.fieldManager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    const cfg = this.parseBody(body, 'application/yaml');
    this.checkTypeMeta(rt, version, cfg, true);
    if (cfg.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(
          cfg.metadata.name ?? '',
        )}) does not match the name on the URL (${name})`,
      );
    }
    this.placeNamespace(rt, cfg, namespace);
    const live = this.store.get(resourceKey(rt), cfg.metadata.namespace, name);
    if (!live) {
      if (subresource) throw notFound(rt, name);
      this.validateNewName(rt, name);
      if (rt.namespaced)
        this.checkNamespaceAcceptsNew(rt, cfg.metadata.namespace!, name);
    }
    const rv = cfg.metadata.resourceVersion;
    if (live && rv !== undefined && rv !== live.metadata.resourceVersion) {
      throw staleResourceVersion(rt, name);
    }
    const scope: FieldScope = scopeOf(rt, subresource);
    const result = serverSideApply(live, cfg, {
      manager: opts.fieldManager,
      apiVersion: cfg.apiVersion!,
      subresource,
      builtin: rt.builtin,
      scope,
      now: this.now(),
      force: opts.force ?? false,
    });
    if (result.conflicts.length) {
      throw conflictError(rt.kind, name, rt.group, rt.plural, result.conflicts);
    }
    const actor: Actor = {
      manager: opts.fieldManager,
      operation: 'Apply',
      subresource,
    };
    return this.commit(rt, live, result.object, {
      dryRun: opts.dryRun,
      fieldValidation: opts.fieldValidation,
      actor,
      subresource,
      version,
      managedReady: true,
    });
  }

  /** Puts system metadata, status and defaults in place, as the API server's strategies do. */
  private normalize(
    rt: ResourceType,
    live: KubeObject | undefined,
    input: KubeObject,
    subresource: string | undefined,
    internal: boolean,
  ): KubeObject {
    let next = input;
    if (subresource === 'status' && live) {
      next = { ...clone(live), status: clone(input.status) };
      if (next.status === undefined) delete next.status;
      next.metadata.managedFields = input.metadata.managedFields;
    }
    const meta = next.metadata;
    next.kind = rt.kind;
    if (live) {
      meta.name = live.metadata.name;
      meta.namespace = live.metadata.namespace;
      meta.uid = live.metadata.uid;
      meta.creationTimestamp = live.metadata.creationTimestamp;
      meta.resourceVersion = live.metadata.resourceVersion;
      if (live.metadata.generation !== undefined)
        meta.generation = live.metadata.generation;
      else delete meta.generation;
      if (live.metadata.deletionTimestamp) {
        meta.deletionTimestamp = live.metadata.deletionTimestamp;
        meta.deletionGracePeriodSeconds =
          live.metadata.deletionGracePeriodSeconds;
      } else if (!internal) {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      if (subresource !== 'status' && rt.status && !internal) {
        if (live.status !== undefined) next.status = clone(live.status);
        else delete next.status;
      }
    } else {
      meta.uid = randomUUID();
      meta.creationTimestamp = this.now();
      delete meta.resourceVersion;
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
      if (rt.generation) meta.generation = 1;
      else delete meta.generation;
      if (rt.status) {
        delete next.status;
        const initial = this.initialStatus(rt);
        if (initial) next.status = initial;
      }
    }
    delete meta.selfLink;
    for (const k of ['labels', 'annotations'] as const) {
      if (isObject(meta[k]) && Object.keys(meta[k]!).length === 0)
        delete meta[k];
    }
    if (Array.isArray(meta.finalizers) && meta.finalizers.length === 0)
      delete meta.finalizers;
    if (
      Array.isArray(meta.ownerReferences) &&
      meta.ownerReferences.length === 0
    )
      delete meta.ownerReferences;
    applyDefaults(rt, next);
    this.kindSpecific(rt, live, next);
    return next;
  }

  private initialStatus(rt: ResourceType): JsonObject | undefined {
    switch (resourceKey(rt)) {
      case '/namespaces':
        return { phase: 'Active' };
      case '/pods':
        return { phase: 'Pending', qosClass: 'BestEffort' };
      case '/persistentvolumeclaims':
        return { phase: 'Pending' };
      case '/services':
        return { loadBalancer: {} };
      default:
        return undefined;
    }
  }

  private kindSpecific(
    rt: ResourceType,
    live: KubeObject | undefined,
    next: KubeObject,
  ): void {
    const key = resourceKey(rt);
    if (key === '/secrets' && isObject(next.stringData)) {
      // The API server folds stringData into data and never stores it.
      const data: JsonObject = isObject(next.data) ? { ...next.data } : {};
      for (const [k, v] of Object.entries(next.stringData)) {
        data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      }
      next.data = data;
      delete next.stringData;
    }
    if (key === '/services' && isObject(next.spec)) {
      const spec = next.spec;
      const liveSpec = live && isObject(live.spec) ? live.spec : undefined;
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        spec.clusterIP = liveSpec?.clusterIP ?? this.allocateClusterIp();
      }
      if (spec.clusterIP !== undefined && spec.clusterIPs === undefined) {
        spec.clusterIPs = liveSpec?.clusterIPs ?? [spec.clusterIP];
      }
    }
  }

  private allocateClusterIp(): string {
    const n = this.nextClusterIp++;
    return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }

  /**
   * Custom resources against their CRD's schema (pruned of undeclared fields), and with
   * `fieldValidation=Strict` unknown fields of any kind refused as the API server's
   * strict decoding does.
   */
  private checkSchema(
    rt: ResourceType,
    obj: KubeObject,
    version: string,
    fieldValidation: WriteOptions['fieldValidation'],
  ): void {
    let unknown: string[] = [];
    if (rt.builtin) {
      if (fieldValidation === 'Strict')
        unknown = unknownBuiltinFields(resourceKey(rt), obj);
    } else {
      const schema = crdSchema(this.store, rt.group, rt.plural, version);
      if (schema) {
        const check = checkCustomResource(obj as JsonObject, schema);
        if (fieldValidation === 'Strict') unknown = check.unknown;
        if (check.causes.length && !unknown.length)
          throw invalid(
            rt.kind,
            rt.group,
            obj.metadata.name ?? '',
            check.causes,
          );
      }
    }
    if (unknown.length) {
      throw badRequest(
        `strict decoding error: ${unknown
          .map(u => `unknown field "${u}"`)
          .join(', ')}`,
      );
    }
  }

  /** Field checks the API server's validation makes on the kinds clients commonly write. */
  private validate(
    rt: ResourceType,
    live: KubeObject | undefined,
    obj: KubeObject,
  ): void {
    const causes: StatusCause[] = [
      ...validateLabelsAndAnnotations(obj.metadata),
    ];
    const key = resourceKey(rt);
    const spec = isObject(obj.spec) ? obj.spec : undefined;
    const required = (field: string) =>
      causes.push({
        reason: 'FieldValueRequired',
        field,
        message: 'Required value',
      });
    const checkContainers = (podSpec: unknown, prefix: string) => {
      const containers = isObject(podSpec) ? podSpec.containers : undefined;
      if (!Array.isArray(containers) || containers.length === 0) {
        required(`${prefix}.containers`);
        return;
      }
      containers.forEach((c, i) => {
        if (!isObject(c) || !c.name)
          required(`${prefix}.containers[${i}].name`);
        if (!isObject(c) || !c.image)
          required(`${prefix}.containers[${i}].image`);
      });
    };
    switch (key) {
      case 'apps/deployments':
      case 'apps/statefulsets':
      case 'apps/replicasets':
      case 'apps/daemonsets': {
        const selector = spec?.selector;
        const template = isObject(spec?.template) ? spec!.template : undefined;
        if (!isObject(selector)) required('spec.selector');
        const replicas = spec?.replicas;
        if (typeof replicas === 'number' && replicas < 0) {
          causes.push({
            field: 'spec.replicas',
            message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
          });
        }
        if (!template) required('spec.template');
        else {
          checkContainers(template.spec, 'spec.template.spec');
          const labels = isObject(template.metadata)
            ? template.metadata.labels
            : undefined;
          const reqs = fromLabelSelectorObject(selector);
          const ok = reqs.every(r =>
            r.op === 'in'
              ? isObject(labels) && r.values.includes(String(labels[r.key]))
              : true,
          );
          if (isObject(selector) && (!ok || reqs.length === 0)) {
            causes.push({
              field: 'spec.template.metadata.labels',
              message: `Invalid value: ${JSON.stringify(
                labels ?? {},
              )}: \`selector\` does not match template \`labels\``,
            });
          }
        }
        if (
          live &&
          isObject(live.spec) &&
          !deepEqual(live.spec.selector, selector)
        ) {
          causes.push({
            field: 'spec.selector',
            message: `Invalid value: ${JSON.stringify(
              selector,
            )}: field is immutable`,
          });
        }
        break;
      }
      case 'batch/jobs':
        checkContainers(
          isObject(spec?.template) ? spec!.template.spec : undefined,
          'spec.template.spec',
        );
        break;
      case '/pods':
        checkContainers(spec, 'spec');
        break;
      case '/services': {
        const type = spec?.type;
        if (
          type !== 'ExternalName' &&
          spec?.clusterIP !== 'None' &&
          (!Array.isArray(spec?.ports) || spec!.ports.length === 0)
        ) {
          required('spec.ports');
        }
        break;
      }
      case 'apiextensions.k8s.io/customresourcedefinitions':
        causes.push(...this.validateCrd(obj));
        break;
      default:
        break;
    }
    if (causes.length)
      throw invalid(rt.kind, rt.group, obj.metadata.name ?? '', causes);
  }

  private validateCrd(crd: KubeObject): StatusCause[] {
    const causes: StatusCause[] = [];
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const group = String(spec.group ?? '');
    if (!group.includes('.')) {
      causes.push({
        field: 'spec.group',
        message: `Invalid value: ${JSON.stringify(
          group,
        )}: should be a domain with at least one dot`,
      });
    }
    if (!names.plural)
      causes.push({
        reason: 'FieldValueRequired',
        field: 'spec.names.plural',
        message: 'Required value',
      });
    if (!names.kind)
      causes.push({
        reason: 'FieldValueRequired',
        field: 'spec.names.kind',
        message: 'Required value',
      });
    if (crd.metadata.name !== `${String(names.plural)}.${group}`) {
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(
          crd.metadata.name,
        )}: must be spec.names.plural+"."+spec.group`,
      });
    }
    if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.scope',
        message: `Unsupported value: ${JSON.stringify(
          spec.scope,
        )}: supported values: "Cluster", "Namespaced"`,
      });
    }
    const versions = Array.isArray(spec.versions)
      ? spec.versions.filter(isObject)
      : [];
    if (versions.length === 0) {
      causes.push({
        reason: 'FieldValueRequired',
        field: 'spec.versions',
        message:
          'Required value: must have exactly one version marked as storage version',
      });
    } else if (versions.filter(v => v.storage === true).length !== 1) {
      causes.push({
        field: 'spec.versions',
        message:
          'Invalid value: must have exactly one version marked as storage version',
      });
    }
    return causes;
  }

  /**
   * Stores a write unless it changes nothing. Every write path ends here so that no-op
   * detection, generation, resourceVersion and finalizer completion behave the same.
   */
  private commit(
    rt: ResourceType,
    live: KubeObject | undefined,
    input: KubeObject,
    opts: {
      dryRun?: boolean;
      actor?: Actor;
      subresource?: string;
      version: string;
      managedReady?: boolean;
      internal?: boolean;
      fieldValidation?: WriteOptions['fieldValidation'];
    },
  ): WriteResult {
    const next = this.normalize(
      rt,
      live,
      input,
      opts.subresource,
      opts.internal ?? false,
    );
    this.checkSchema(rt, next, opts.version, opts.fieldValidation);
    this.validate(rt, live, next);
    if (rt.generation && live) {
      const specChanged = !deepEqual(specOf(live, rt), specOf(next, rt));
      const deletionStarted =
        !live.metadata.deletionTimestamp && !!next.metadata.deletionTimestamp;
      if (specChanged || deletionStarted)
        next.metadata.generation = (live.metadata.generation ?? 0) + 1;
    }
    if (opts.actor && !opts.managedReady) {
      const scope: FieldScope = scopeOf(rt, opts.subresource);
      const managed = trackUpdate(live, next, {
        manager: opts.actor.manager,
        apiVersion: next.apiVersion!,
        subresource: opts.actor.subresource,
        builtin: rt.builtin,
        scope,
        now: this.now(),
      });
      if (managed) next.metadata.managedFields = managed;
      else delete next.metadata.managedFields;
    }
    const contentChanged =
      !live ||
      !deepEqual(withoutManagedFields(live), withoutManagedFields(next));
    if (
      live &&
      !contentChanged &&
      deepEqual(comparable(live), comparable(next))
    ) {
      return { object: live, code: 200, changed: false };
    }
    if (contentChanged && opts.actor) this.touch(next, opts.actor);
    if (opts.dryRun)
      return { object: next, code: live ? 200 : 201, changed: true };

    next.metadata.resourceVersion = this.store.nextResourceVersion();
    const key = resourceKey(rt);
    this.store.put(key, canonicalOrder(next));
    if (
      next.metadata.deletionTimestamp &&
      !(next.metadata.finalizers ?? []).length &&
      key !== '/namespaces' &&
      !awaitsKubelet(key, next)
    ) {
      this.store.remove(key, next.metadata.namespace, next.metadata.name!);
    }
    if (key === 'apiextensions.k8s.io/customresourcedefinitions' && !live) {
      this.establishCrd(next);
    }
    return {
      object:
        this.store.get(key, next.metadata.namespace, next.metadata.name!) ??
        next,
      code: live ? 200 : 201,
      changed: true,
    };
  }

  /** Updates the acting manager's entry time when its write changed the object. */
  private touch(obj: KubeObject, actor: Actor): void {
    const entries = obj.metadata.managedFields;
    if (!entries) return;
    const now = this.now();
    obj.metadata.managedFields = entries.map((e: ManagedFieldsEntry) =>
      e.manager === actor.manager &&
      e.operation === actor.operation &&
      (e.subresource ?? '') === (actor.subresource ?? '')
        ? { ...e, time: now }
        : e,
    );
  }

  /** The API server marks a new CRD's names accepted and the CRD established. */
  private establishCrd(crd: KubeObject): void {
    const spec = isObject(crd.spec) ? crd.spec : {};
    const now = this.now();
    const condition = (type: string, reason: string, message: string) => ({
      type,
      status: 'True',
      lastTransitionTime: now,
      reason,
      message,
    });
    this.ensure(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crd.metadata.name },
        status: {
          acceptedNames: spec.names,
          storedVersions: (Array.isArray(spec.versions) ? spec.versions : [])
            .filter(v => isObject(v) && v.storage)
            .map(v => (v as JsonObject).name),
          conditions: [
            condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
            condition(
              'Established',
              'InitialNamesAccepted',
              'the initial names have been accepted',
            ),
          ],
        },
      },
      'kube-apiserver',
      'status',
    );
  }

  /**
   * Writes an object on behalf of the system (controllers): like an update, but allowed
   * to set deletion state and to write status through the main resource.
   */
  writeInternal(
    rt: ResourceType,
    live: KubeObject,
    next: KubeObject,
    manager: string,
  ): WriteResult {
    next.metadata.managedFields = live.metadata.managedFields;
    return this.commit(rt, live, next, {
      actor: { manager, operation: 'Update' },
      version: live.apiVersion!.split('/').pop()!,
      internal: true,
    });
  }

  /** DELETE of one object: immediate, or marked for deletion while finalizers remain. */
  delete(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: { dryRun?: boolean; body?: JsonObject },
  ): { object: KubeObject | JsonObject; code: number } {
    const live = this.get(rt, namespace, name);
    const body = opts.body ?? {};
    const pre = isObject(body.preconditions) ? body.preconditions : {};
    if (pre.uid !== undefined && pre.uid !== live.metadata.uid) {
      throw conflict(
        rt,
        name,
        `Precondition failed: UID in precondition: ${String(
          pre.uid,
        )}, UID in object meta: ${live.metadata.uid}`,
      );
    }
    if (
      pre.resourceVersion !== undefined &&
      pre.resourceVersion !== live.metadata.resourceVersion
    ) {
      throw conflict(
        rt,
        name,
        `Precondition failed: ResourceVersion in precondition: ${String(
          pre.resourceVersion,
        )}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
      );
    }
    const key = resourceKey(rt);
    // DeleteOptions may carry dryRun and the policy in the body as well as the query.
    const dryRun =
      opts.dryRun ||
      (Array.isArray(body.dryRun) && parseDryRun(body.dryRun.map(String)));
    const policy =
      body.propagationPolicy ??
      (body.orphanDependents === true ? 'Orphan' : undefined);
    const foreground = policy === 'Foreground' && key !== '/namespaces';
    if (key === PODS && !foreground) {
      const graceful = deletePodGracefully(this, live, body, Boolean(dryRun));
      if (graceful) return graceful;
    }
    if (
      foreground ||
      key === '/namespaces' ||
      (live.metadata.finalizers ?? []).length > 0
    ) {
      if (live.metadata.deletionTimestamp && !foreground)
        return { object: live, code: 200 };
      if (live.metadata.finalizers?.includes(FOREGROUND_FINALIZER))
        return { object: live, code: 200 };
      const next = clone(live);
      next.metadata.deletionTimestamp =
        live.metadata.deletionTimestamp ?? this.now();
      next.metadata.deletionGracePeriodSeconds = 0;
      if (foreground)
        next.metadata.finalizers = [
          ...(next.metadata.finalizers ?? []),
          FOREGROUND_FINALIZER,
        ];
      if (key === '/namespaces')
        next.status = {
          ...(isObject(next.status) ? next.status : {}),
          phase: 'Terminating',
        };
      if (dryRun) return { object: next, code: 200 };
      const result = this.commit(rt, live, next, {
        version: live.apiVersion!.split('/').pop()!,
        internal: true,
      });
      return { object: result.object, code: 200 };
    }
    if (dryRun) return { object: live, code: 200 };
    if (policy === 'Orphan') this.orphanDependents(live);
    const removed = this.store.remove(key, live.metadata.namespace, name)!;
    if (!rt.builtin || RETURNS_DELETED_OBJECT.has(key))
      return { object: removed, code: 200 };
    return {
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name,
          ...(rt.group ? { group: rt.group } : {}),
          kind: rt.plural,
          uid: live.metadata.uid,
        },
      },
      code: 200,
    };
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = owner.metadata.uid!;
    for (const { resource, object } of this.store.dependentsOf(uid)) {
      const rt = this.registry.get(resource);
      if (!rt) continue;
      const next = clone(object);
      next.metadata.ownerReferences = (
        next.metadata.ownerReferences ?? []
      ).filter(r => r.uid !== uid);
      this.writeInternal(rt, object, next, 'kube-controller-manager');
    }
  }

  /** DELETE on a collection: deletes what the selectors match, answers with the list. */
  deleteCollection(
    rt: ResourceType,
    namespace: string | undefined,
    options: ListOptions,
    opts: { dryRun?: boolean; body?: JsonObject },
  ): KubeObject[] {
    const { items } = this.list(rt, namespace, {
      ...options,
      limit: undefined,
      continue: undefined,
    });
    const out: KubeObject[] = [];
    for (const item of items) {
      const r = this.delete(
        rt,
        item.metadata.namespace,
        item.metadata.name!,
        opts,
      );
      out.push(r.object.kind === 'Status' ? item : (r.object as KubeObject));
    }
    return out;
  }

  /** Removes an object regardless of finalizers (controllers completing a deletion). */
  remove(rt: ResourceType, namespace: string | undefined, name: string): void {
    this.store.remove(resourceKey(rt), namespace, name);
  }

  // -------------------------------------------------------------------------------------
  // Scale subresource

  /** The `autoscaling/v1` Scale view of a workload. */
  scaleOf(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const obj = this.get(rt, namespace, name);
    const spec = isObject(obj.spec) ? obj.spec : {};
    const status = isObject(obj.status) ? obj.status : {};
    const selector = fromLabelSelectorObject(spec.selector)
      .map(r => (r.op === 'in' ? `${r.key}=${r.values[0]}` : r.key))
      .join(',');
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector },
    };
  }

  /** Writes a Scale (PUT or PATCH of `/scale`) back as `spec.replicas`. */
  updateScale(
    rt: ResourceType,
    version: string,
    namespace: string | undefined,
    name: string,
    method: 'PUT' | 'PATCH',
    body: string,
    contentType: string,
    opts: WriteOptions,
  ): KubeObject {
    const current = this.scaleOf(rt, namespace, name);
    let next: unknown;
    try {
      const parsed = /yaml/.test(contentType)
        ? parseYaml(body)
        : JSON.parse(body);
      const type = contentType.split(';')[0].trim();
      if (method === 'PUT') next = parsed;
      else if (type === PATCH_TYPES.json)
        next = applyJsonPatch(current, parsed);
      else next = applyMergePatch(current, parsed);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw badRequest(`error decoding scale: ${(e as Error).message}`);
    }
    const replicas =
      isObject(next) && isObject(next.spec) ? next.spec.replicas : undefined;
    if (
      typeof replicas !== 'number' ||
      replicas < 0 ||
      !Number.isInteger(replicas)
    ) {
      throw invalid('Scale', 'autoscaling', name, [
        {
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(
            replicas,
          )}: must be greater than or equal to 0`,
        },
      ]);
    }
    const live = this.get(rt, namespace, name);
    const updated = clone(live);
    (updated.spec as JsonObject).replicas = replicas;
    updated.metadata.managedFields = live.metadata.managedFields;
    this.commit(rt, live, updated, {
      dryRun: opts.dryRun,
      actor: {
        manager: managerFrom(opts),
        operation: 'Update',
        subresource: 'scale',
      },
      version,
    });
    return this.scaleOf(rt, namespace, name);
  }

  // -------------------------------------------------------------------------------------
  // Snapshots

  /** Everything stored, as JSON-serialisable data. */
  snapshot(): {
    resourceVersion: number;
    objects: Record<string, KubeObject[]>;
  } {
    return clone(this.store.dump());
  }

  /** Replaces the state with a snapshot. */
  restore(data: {
    resourceVersion: number;
    objects: Record<string, KubeObject[]>;
  }): void {
    this.store.load(clone(data));
    this.reloadCrds();
    let max = 0;
    for (const { object } of this.store.select('/services')) {
      const ip = isObject(object.spec)
        ? String(object.spec.clusterIP ?? '')
        : '';
      const m = /^10\.96\.(\d+)\.(\d+)$/.exec(ip);
      if (m) max = Math.max(max, Number(m[1]) * 250 + Number(m[2]));
    }
    this.nextClusterIp = max + 1;
  }
}

/** Reads the `dryRun` query parameter; anything but `All` is rejected like the API does. */
export function parseDryRun(values: string[]): boolean {
  if (values.length === 0) return false;
  for (const v of values) {
    if (v !== 'All') {
      throw invalid('CreateOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'dryRun',
          message: `Unsupported value: ${JSON.stringify(
            v,
          )}: supported values: "All"`,
        },
      ]);
    }
  }
  return true;
}
