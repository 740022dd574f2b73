import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChartRepositories } from '../charts/repository';
import type { FaultInjector } from '../common/faults';
import type { RequestLog } from '../common/requestLog';
import { Cluster, ListOptions, parseDryRun, WriteOptions } from './cluster';
import { Controllers } from './controllers';
import { ensureNode } from './nodes';
import { WorkloadApis } from './workloadApis';
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  notFound,
  unauthorized,
  unknownPath,
  unsupportedMediaType,
} from './errors';
import { isObject, JsonObject } from './json';
import { answerOpenApi } from './openapi';
import { decodeProtobufBody, PROTOBUF } from './protobuf';
import { initialEventsEnd } from './negotiation';
import { tableVersion, toTable } from './table';
import { groupVersion, resourceKey, ResourceType } from './resources';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import type { ControllerPace, KubeObject } from './types';

/**
 * What a simulated cluster persists: every stored object and the resourceVersion counter.
 *
 * @public
 */
export interface KubernetesSnapshot {
  version: 1;
  resourceVersion: number;
  objects: Record<string, KubeObject[]>;
}

/**
 * Options of {@link KubernetesSimulator}.
 *
 * @public
 */
export interface KubernetesSimulatorOptions {
  /** Cluster name, used in the request log and fault matching. */
  name: string;
  /** The bearer token every request (but `/version` and health probes) must carry. */
  token: string;
  log: RequestLog;
  faults: FaultInjector;
  /** Controller pace; `instant` by default. */
  pace?: ControllerPace;
  /** A snapshot to start from; a fresh cluster otherwise. */
  state?: KubernetesSnapshot;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * Chart repositories to serve under `/charts` and to pull release charts from; without
   * them releases install whatever chart they name.
   */
  charts?: ChartRepositories;
  /** Check release values against the charts' schemas (with `charts`). */
  validateValues?: boolean;
}

const MAX_BODY = 3 * 1024 * 1024;
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const BODY_TYPES = ['application/json', 'application/yaml'];

interface Route {
  rt: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(
          new ApiError(
            413,
            'RequestEntityTooLarge',
            'the request body is too large',
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The body as text: protobuf bodies of the kinds client-go sends that way are decoded to
 * JSON (and the request then reads as JSON), everything else is UTF-8.
 */
function bodyText(req: IncomingMessage, raw: Buffer): string {
  const ct = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (ct !== PROTOBUF) return raw.toString('utf8');
  const decoded = JSON.stringify(decodeProtobufBody(raw));
  req.headers['content-type'] = 'application/json';
  return decoded;
}

/**
 * A simulated Kubernetes API server for one cluster: discovery, CRUD with the API
 * server's semantics, server-side apply, controllers, faults and a request log. Serve it
 * by passing {@link KubernetesSimulator.handle} to an HTTP(S) server.
 *
 * @public
 */
export class KubernetesSimulator {
  readonly name: string;
  readonly token: string;
  /** The cluster state and API semantics, for in-process access. */
  readonly cluster: Cluster;
  /** The simulated controllers. */
  readonly controllers: Controllers;
  private readonly log: RequestLog;
  private readonly faults: FaultInjector;
  private readonly watches = new Set<ServerResponse>();
  private readonly charts?: ChartRepositories;
  private baseUrl = 'http://127.0.0.1';
  /** Logs, tokens, reviews and the events.k8s.io view (workloadApis.ts). */
  private readonly workloads: WorkloadApis;

  constructor(options: KubernetesSimulatorOptions) {
    this.name = options.name;
    this.token = options.token;
    this.log = options.log;
    this.faults = options.faults;
    this.cluster = new Cluster({ now: options.now });
    this.charts = options.charts;
    this.controllers = new Controllers(
      this.cluster,
      options.pace ?? 'instant',
      (err, key) => {
        process.emitWarning(`sandbox controller ${key} failed: ${String(err)}`);
      },
      { charts: options.charts, validateValues: options.validateValues },
    );
    if (options.state) {
      this.cluster.restore(options.state);
      this.controllers.resyncAll();
    } else {
      this.cluster.bootstrap();
    }
    ensureNode(this.cluster);
    this.workloads = new WorkloadApis(this.cluster, options.token);
    this.controllers.settle();
  }

  /** The URL the cluster is served at (for `/api` answers). */
  setBaseUrl(url: string): void {
    this.baseUrl = url;
  }

  /** Everything stored, as JSON-serialisable data. */
  snapshot(): KubernetesSnapshot {
    return { version: 1, ...this.cluster.snapshot() };
  }

  /** Stops the controllers and ends open watches. */
  stop(): void {
    this.controllers.stop();
    for (const res of this.watches) res.end();
    this.watches.clear();
  }

  /** Runs every pending controller step now, whatever the pace. */
  settle(): void {
    this.controllers.flush();
  }

  /**
   * Applies an object in-process (forced server-side apply), as a seed or a test
   * fixture would; controllers react as they do to API writes.
   */
  apply(obj: KubeObject, fieldManager = 'sandbox'): KubeObject {
    const result = this.cluster.ensure(obj, fieldManager);
    this.controllers.settle();
    return result.object;
  }

  /** Reads one object in-process; undefined when it does not exist. */
  get(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): KubeObject | undefined {
    const rt = this.cluster.registry.byKind(apiVersion, kind);
    if (!rt) return undefined;
    return this.cluster.store.get(
      resourceKey(rt),
      rt.namespaced ? namespace : undefined,
      name,
    );
  }

  /** Lists objects in-process, with an optional namespace and label selector. */
  list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): KubeObject[] {
    const rt = this.cluster.registry.byKind(apiVersion, kind);
    if (!rt) return [];
    return this.cluster.list(rt, options.namespace, {
      labelSelector: options.labelSelector,
    }).items;
  }

  /** Answers one HTTP request: faults first, then the API, and every request is logged. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      this.log.record({
        server: 'kubernetes',
        target: this.name,
        method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ''),
        status: res.headersSent ? res.statusCode : 0,
        at: started,
        durationMs: Date.now() - started,
      });
    };
    res.on('finish', record);
    res.on('close', record);
    this.faults
      .apply('kubernetes', this.name, req, res, url.pathname)
      .then(outcome =>
        outcome === 'pass' ? this.serve(req, res, url, method) : undefined,
      )
      .catch(err => this.sendError(res, err));
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'audit-id': randomUUID(),
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private sendError(res: ServerResponse, err: unknown): void {
    const apiErr =
      err instanceof ApiError
        ? err
        : new ApiError(
            500,
            'InternalError',
            `Internal error occurred: ${String(
              (err as Error)?.message ?? err,
            )}`,
          );
    this.send(res, apiErr.code, apiErr.toStatus());
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    // Helm repositories are public, like the upstream ones they stand in for.
    if (this.charts?.handle(req, res, path, this.baseUrl)) return;
    if (!PUBLIC_PATHS.has(path)) {
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m || !this.workloads.tokens.identify(m[1].trim()))
        throw unauthorized();
    }
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)
      ? bodyText(req, await readBody(req))
      : '';
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const openapi =
      method === 'GET'
        ? answerOpenApi(
            path,
            String(req.headers.accept ?? ''),
            this.cluster.registry,
            this.cluster.store,
          )
        : undefined;
    if (openapi?.raw) {
      res.writeHead(openapi.code, {
        'content-type': openapi.raw.contentType,
        'cache-control': 'no-cache, private',
        'content-length': openapi.raw.data.length,
      });
      res.end(openapi.raw.data);
      return;
    }
    if (openapi) {
      this.send(res, openapi.code, openapi.body);
      return;
    }
    const discovery = this.discovery(path, method);
    if (discovery) {
      this.send(res, 200, discovery);
      return;
    }
    const route = this.route(path);
    if (
      route.watch ||
      url.searchParams.get('watch') === 'true' ||
      url.searchParams.get('watch') === '1'
    ) {
      if (method !== 'GET' || route.name !== undefined)
        throw methodNotAllowed();
      this.watch(route, url.searchParams, req, res);
      return;
    }
    const extra = this.workloads.serve(
      route,
      method,
      url.searchParams,
      body,
      req.headers.authorization,
    );
    if (extra?.text !== undefined) {
      res.writeHead(extra.code, { 'content-type': 'text/plain' });
      res.end(extra.text);
      return;
    }
    const result =
      extra ?? this.dispatch(route, method, url.searchParams, body, req);
    if (method !== 'GET') this.controllers.settle();
    const asTable =
      method === 'GET' && !route.subresource && !route.rt.virtual
        ? tableVersion(req.headers.accept)
        : undefined;
    if (asTable && result.code === 200 && isObject(result.body)) {
      this.send(
        res,
        200,
        toTable({
          rt: route.rt,
          version: route.version,
          body: result.body,
          tableVersion: asTable,
          includeObject: url.searchParams.get('includeObject'),
          store: this.cluster.store,
          now: new Date(this.cluster.now()),
        }),
      );
      return;
    }
    this.send(res, result.code, result.body);
  }

  // -------------------------------------------------------------------------------------
  // Discovery

  private discovery(path: string, method: string): unknown {
    const isDiscovery =
      path === '/version' ||
      path === '/api' ||
      path === '/apis' ||
      /^\/api\/v1$/.test(path) ||
      /^\/apis\/[^/]+(\/[^/]+)?$/.test(path);
    if (!isDiscovery) return undefined;
    if (method !== 'GET') throw methodNotAllowed();
    const registry = this.cluster.registry;
    if (path === '/version') {
      return {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-sandbox',
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2024-08-13T00:00:00Z',
        goVersion: 'go1.22.5',
        compiler: 'gc',
        platform: 'linux/amd64',
      };
    }
    if (path === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          {
            clientCIDR: '0.0.0.0/0',
            serverAddress: new URL(this.baseUrl).host,
          },
        ],
      };
    }
    const groupEntry = (g: { name: string; versions: string[] }) => ({
      name: g.name,
      versions: g.versions.map(v => ({
        groupVersion: `${g.name}/${v}`,
        version: v,
      })),
      preferredVersion: {
        groupVersion: `${g.name}/${g.versions[0]}`,
        version: g.versions[0],
      },
    });
    if (path === '/apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: registry.groups().map(groupEntry),
      };
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = registry.groups().find(x => x.name === parts[1]);
      if (!g) throw unknownPath();
      return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g) };
    }
    const gv = parts[0] === 'api' ? 'v1' : `${parts[1]}/${parts[2]}`;
    const types = registry.inGroupVersion(gv);
    if (!types) throw unknownPath();
    const resources: JsonObject[] = [];
    for (const rt of types) {
      resources.push({
        name: rt.plural,
        singularName: rt.singular,
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: rt.verbs,
        ...(rt.shortNames?.length ? { shortNames: rt.shortNames } : {}),
        ...(rt.categories?.length ? { categories: rt.categories } : {}),
      });
      if (rt.status) {
        resources.push({
          name: `${rt.plural}/status`,
          singularName: '',
          namespaced: rt.namespaced,
          kind: rt.kind,
          verbs: ['get', 'patch', 'update'],
        });
      }
      if (rt.scale) {
        resources.push({
          name: `${rt.plural}/scale`,
          singularName: '',
          namespaced: rt.namespaced,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        });
      }
      if (rt.plural === 'namespaces' && !rt.group) {
        resources.push({
          name: 'namespaces/finalize',
          singularName: '',
          namespaced: false,
          kind: 'Namespace',
          verbs: ['update'],
        });
      }
      resources.push(...this.workloads.discoveryEntries(rt));
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources,
    };
  }

  // -------------------------------------------------------------------------------------
  // Resource requests

  private route(path: string): Route {
    const segs = path
      .split('/')
      .filter(Boolean)
      .map(s => decodeURIComponent(s));
    let gv: string;
    let rest: string[];
    if (segs[0] === 'api' && segs[1] === 'v1') {
      gv = 'v1';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      gv = `${segs[1]}/${segs[2]}`;
      rest = segs.slice(3);
    } else {
      throw unknownPath();
    }
    let watch = false;
    if (rest[0] === 'watch') {
      watch = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let subresource: string | undefined;
    const nsSub =
      rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
    if (rest[0] === 'namespaces' && rest.length >= 3 && !nsSub) {
      if (rest.length > 5) throw unknownPath();
      [, namespace, plural, name, subresource] = rest;
    } else {
      if (rest.length > 3 || rest.length === 0) throw unknownPath();
      [plural, name, subresource] = rest;
    }
    const rt = this.cluster.registry.lookup(gv, plural);
    if (!rt) throw unknownPath();
    if (namespace !== undefined && !rt.namespaced) throw unknownPath();
    if (name !== undefined && namespace === undefined && rt.namespaced)
      throw unknownPath();
    if (subresource !== undefined) {
      const ok =
        (subresource === 'status' && rt.status) ||
        (subresource === 'scale' && rt.scale) ||
        (subresource === 'finalize' &&
          rt.plural === 'namespaces' &&
          !rt.group) ||
        this.workloads.servesSubresource(rt, subresource);
      if (!ok) throw unknownPath();
    }
    return {
      rt,
      version: gv.split('/').pop()!,
      namespace,
      name,
      subresource,
      watch,
    };
  }

  private writeOptions(
    query: URLSearchParams,
    req: IncomingMessage,
  ): WriteOptions {
    return {
      dryRun: parseDryRun(query.getAll('dryRun')),
      fieldManager: query.get('fieldManager') ?? undefined,
      force: query.get('force') === 'true' ? true : undefined,
      userAgent: req.headers['user-agent'],
      fieldValidation: (query.get('fieldValidation') ?? undefined) as
        | WriteOptions['fieldValidation']
        | undefined,
    };
  }

  private listOptions(query: URLSearchParams): ListOptions {
    const limitRaw = query.get('limit');
    const limit = limitRaw ? Number(limitRaw) : undefined;
    if (limitRaw && (!Number.isInteger(limit) || limit! < 0)) {
      throw badRequest(`invalid limit: ${limitRaw}`);
    }
    return {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit,
      continue: query.get('continue') ?? undefined,
    };
  }

  /** List items of built-in kinds carry no apiVersion/kind, as the API server encodes them. */
  private listBody(
    rt: ResourceType,
    version: string,
    page: ReturnType<Cluster['list']>,
  ): JsonObject {
    const items = page.items.map(o => {
      const p = this.cluster.present(rt, o, version);
      if (!rt.builtin) return p;
      const { apiVersion: _a, kind: _k, ...rest } = p;
      return rest;
    });
    return {
      kind: rt.listKind,
      apiVersion: groupVersion(rt.group, version),
      metadata: {
        resourceVersion: page.resourceVersion,
        ...(page.continue
          ? {
              continue: page.continue,
              remainingItemCount: page.remainingItemCount,
            }
          : {}),
      },
      items,
    };
  }

  private checkBodyType(req: IncomingMessage): string {
    const ct = String(req.headers['content-type'] ?? 'application/json')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (ct !== '*/*' && !BODY_TYPES.includes(ct)) {
      throw unsupportedMediaType(ct, BODY_TYPES);
    }
    return ct;
  }

  private dispatch(
    route: Route,
    method: string,
    query: URLSearchParams,
    body: string,
    req: IncomingMessage,
  ): { code: number; body: unknown } {
    const { rt, version, namespace, name, subresource } = route;
    const c = this.cluster;
    const allowed = (verb: string) => {
      if (!rt.verbs.includes(verb)) throw methodNotAllowed();
    };
    const deleteBody = (): JsonObject | undefined => {
      if (!body.trim()) return undefined;
      try {
        const parsed = JSON.parse(body);
        return isObject(parsed) ? parsed : undefined;
      } catch {
        throw badRequest('the DeleteOptions body is not valid JSON');
      }
    };

    if (rt.virtual) {
      if (method !== 'GET') throw methodNotAllowed();
      const metrics = c.podMetrics(namespace, this.listOptions(query));
      if (name === undefined) {
        return {
          code: 200,
          body: {
            kind: 'PodMetricsList',
            apiVersion: groupVersion(rt.group, version),
            metadata: { resourceVersion: c.store.resourceVersion() },
            items: metrics,
          },
        };
      }
      const one = metrics.find(m => m.metadata.name === name);
      if (!one) throw notFound(rt, name);
      return { code: 200, body: one };
    }

    if (name === undefined) {
      switch (method) {
        case 'GET': {
          allowed('list');
          const page = c.list(rt, namespace, this.listOptions(query));
          return { code: 200, body: this.listBody(rt, version, page) };
        }
        case 'POST': {
          allowed('create');
          if (rt.namespaced && namespace === undefined)
            throw methodNotAllowed();
          const ct = this.checkBodyType(req);
          const r = c.create(
            rt,
            version,
            namespace,
            body,
            ct,
            this.writeOptions(query, req),
          );
          return { code: r.code, body: c.present(rt, r.object, version) };
        }
        case 'DELETE': {
          allowed('deletecollection');
          const opts = this.writeOptions(query, req);
          const items = c.deleteCollection(
            rt,
            namespace,
            this.listOptions(query),
            {
              dryRun: opts.dryRun,
              body: this.deleteOptions(query, deleteBody()),
            },
          );
          return {
            code: 200,
            body: this.listBody(rt, version, {
              items,
              resourceVersion: c.store.resourceVersion(),
            }),
          };
        }
        default:
          throw methodNotAllowed();
      }
    }

    if (subresource === 'scale') {
      if (method === 'GET')
        return { code: 200, body: c.scaleOf(rt, namespace, name) };
      if (method === 'PUT' || method === 'PATCH') {
        const ct = String(req.headers['content-type'] ?? 'application/json');
        return {
          code: 200,
          body: c.updateScale(
            rt,
            version,
            namespace,
            name,
            method,
            body,
            ct,
            this.writeOptions(query, req),
          ),
        };
      }
      throw methodNotAllowed();
    }
    // Update and patch of one object differ only in the store call and how the body's
    // content type is read; the reply is the written object in the requested version.
    const write = (
      op: 'update' | 'patch',
      ct: string,
      sub?: 'status',
    ): { code: number; body: unknown } => {
      const r = c[op](
        rt,
        version,
        namespace,
        name,
        body,
        ct,
        this.writeOptions(query, req),
        sub,
      );
      return { code: r.code, body: c.present(rt, r.object, version) };
    };
    if (subresource === 'finalize') {
      if (method !== 'PUT') throw methodNotAllowed();
      return write('update', this.checkBodyType(req));
    }
    const sub = subresource === 'status' ? 'status' : undefined;
    switch (method) {
      case 'GET':
        allowed('get');
        return {
          code: 200,
          body: c.present(rt, c.get(rt, namespace, name), version),
        };
      case 'PUT':
        allowed('update');
        return write('update', this.checkBodyType(req), sub);
      case 'PATCH':
        allowed('patch');
        // A patch's media type picks the patch strategy, so it is passed on unchecked.
        return write('patch', String(req.headers['content-type'] ?? ''), sub);
      case 'DELETE': {
        allowed('delete');
        if (sub) throw methodNotAllowed();
        const opts = this.writeOptions(query, req);
        const r = c.delete(rt, namespace, name, {
          dryRun: opts.dryRun,
          body: this.deleteOptions(query, deleteBody()),
        });
        const out =
          r.object.kind === 'Status'
            ? r.object
            : c.present(rt, r.object as KubeObject, version);
        return { code: r.code, body: out };
      }
      default:
        throw methodNotAllowed();
    }
  }

  /** DeleteOptions from the body, with query parameters taking their place when given. */
  private deleteOptions(
    query: URLSearchParams,
    body: JsonObject | undefined,
  ): JsonObject {
    const out: JsonObject = { ...(body ?? {}) };
    const policy = query.get('propagationPolicy');
    if (policy) out.propagationPolicy = policy;
    const grace = query.get('gracePeriodSeconds');
    if (grace !== null && grace !== '') out.gracePeriodSeconds = Number(grace);
    return out;
  }

  // -------------------------------------------------------------------------------------
  // Watch

  /**
   * A minimal watch: the current objects as ADDED (unless a resourceVersion is given),
   * then live changes, one JSON event per line, until the client leaves, the timeout
   * passes or the sandbox stops. History is not kept, so an old resourceVersion starts
   * from now rather than answering 410 Gone.
   */
  private watch(
    route: Route,
    query: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const { rt, version, namespace } = route;
    if (rt.virtual || !rt.verbs.includes('watch')) throw methodNotAllowed();
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(
      query.get('fieldSelector'),
      resourceKey(rt),
    );
    const matches = (o: KubeObject) =>
      (namespace === undefined || o.metadata.namespace === namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, o);
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    // Clients wait for the headers before they consider the watch open; Node would hold
    // them back until the first event.
    res.flushHeaders();
    const emit = (type: string, o: KubeObject) => {
      if (!res.destroyed)
        res.write(
          `${JSON.stringify({
            type,
            object: this.cluster.present(rt, o, version),
          })}\n`,
        );
    };
    const rv = query.get('resourceVersion');
    if (!rv || rv === '0' || query.get('sendInitialEvents') === 'true') {
      for (const o of this.cluster.list(rt, namespace, {}).items)
        if (matches(o)) emit('ADDED', o);
    }
    // A watch list (client-go's reflector, Helm's readiness watcher) waits for the
    // bookmark that marks the end of the initial events.
    if (
      query.get('sendInitialEvents') === 'true' &&
      query.get('allowWatchBookmarks') === 'true' &&
      !res.destroyed
    ) {
      res.write(
        `${JSON.stringify(
          initialEventsEnd(rt, version, this.cluster.store.resourceVersion()),
        )}\n`,
      );
    }
    const key = resourceKey(rt);
    const unsubscribe = this.cluster.store.subscribe(e => {
      if (e.resource === key && matches(e.object)) emit(e.type, e.object);
    });
    this.watches.add(res);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 1800);
    const timer = setTimeout(
      () => res.end(),
      Math.max(1, timeoutSeconds) * 1000,
    );
    timer.unref?.();
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      this.watches.delete(res);
    };
    res.on('close', done);
    req.on('close', done);
  }
}
