import { isObject, JsonObject } from './json';
import { groupVersion, ResourceType } from './resources';
import type { ObjectStore } from './store';
import type { KubeObject } from './types';

/*
 * Server-side printing: a `get` or `list` whose Accept asks for
 * `application/json;as=Table;v=v1;g=meta.k8s.io` (or v1beta1) is answered with a
 * `meta.k8s.io` Table, whose columns are those the API server prints for the kind
 * (`kubectl get` shows them as they come), the CRD's `additionalPrinterColumns` for custom
 * resources, and NAME/AGE otherwise. Each row carries the object as `includeObject` asks:
 * `None`, `Metadata` (the default) or `Object`.
 */

/** One column of a Table. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

/** The Table version an Accept header asks for, if any (`v1` or `v1beta1`). */
export function tableVersion(accept: string | undefined): string | undefined {
  for (const part of String(accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map(p => p.trim());
    if (type !== 'application/json') continue;
    const p = Object.fromEntries(
      params.map(x => x.split('=').map(y => y.trim()) as [string, string]),
    );
    if (
      p.as === 'Table' &&
      p.g === 'meta.k8s.io' &&
      ['v1', 'v1beta1'].includes(p.v)
    )
      return p.v;
  }
  return undefined;
}

/** `kubectl`'s short ages: 45s, 3m20s, 12m, 5h3m, 20h, 3d4h, 40d, 2y10d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (years < 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}

function age(ts: unknown, now: Date): string {
  if (typeof ts !== 'string') return '<unknown>';
  return humanDuration(now.getTime() - new Date(ts).getTime());
}

const col = (
  name: string,
  type = 'string',
  priority = 0,
  format = '',
  description = '',
): TableColumn => ({ name, type, format, description, priority });

const NAME = col(
  'Name',
  'string',
  0,
  'name',
  'Name must be unique within a namespace.',
);
const AGE = col(
  'Age',
  'string',
  0,
  '',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function podTemplate(o: KubeObject): JsonObject {
  return obj(obj(obj(o.spec).template).spec);
}

function containers(spec: JsonObject): [string, string] {
  const cs = arr(spec.containers).map(obj);
  return [
    cs.map(c => String(c.name ?? '')).join(','),
    cs.map(c => String(c.image ?? '')).join(','),
  ];
}

function selectorString(sel: unknown): string {
  const s = obj(sel);
  const parts: string[] = [];
  // A LabelSelector, or a plain label map (a Service's selector).
  let labels: JsonObject = s;
  if (isObject(s.matchLabels)) labels = s.matchLabels;
  else if (s.matchExpressions) labels = {};
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}=${String(v)}`);
  for (const e of arr(s.matchExpressions).map(obj)) {
    const values = arr(e.values).map(String).join(',');
    const op = String(e.operator ?? '');
    if (op === 'In') parts.push(`${String(e.key)} in (${values})`);
    else if (op === 'NotIn') parts.push(`${String(e.key)} notin (${values})`);
    else if (op === 'Exists') parts.push(String(e.key));
    else parts.push(`!${String(e.key)}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function podStatus(p: KubeObject): {
  ready: string;
  status: string;
  restarts: number;
} {
  const status = obj(p.status);
  const statuses = arr(status.containerStatuses).map(obj);
  const total = arr(obj(p.spec).containers).length;
  const ready = statuses.filter(c => c.ready === true).length;
  const restarts = statuses.reduce((n, c) => n + num(c.restartCount), 0);
  let reason = String(status.reason ?? status.phase ?? 'Unknown');
  for (const c of statuses) {
    const state = obj(c.state);
    if (isObject(state.waiting) && state.waiting.reason)
      reason = String(state.waiting.reason);
    else if (isObject(state.terminated) && state.terminated.reason)
      reason = String(state.terminated.reason);
  }
  if (p.metadata.deletionTimestamp) reason = 'Terminating';
  return { ready: `${ready}/${total}`, status: reason, restarts };
}

function servicePorts(spec: JsonObject): string {
  const ports = arr(spec.ports).map(obj);
  if (!ports.length) return '<none>';
  return ports
    .map(p =>
      p.nodePort
        ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}`
        : `${p.port}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function externalIp(spec: JsonObject, status: JsonObject): string {
  const type = String(spec.type ?? 'ClusterIP');
  const external = arr(spec.externalIPs).map(String);
  if (type === 'ExternalName') return String(spec.externalName ?? '<none>');
  if (type === 'LoadBalancer') {
    const ingress = arr(obj(status.loadBalancer).ingress)
      .map(obj)
      .map(i => String(i.ip ?? i.hostname ?? ''));
    const all = [...ingress, ...external].filter(Boolean);
    return all.length ? all.join(',') : '<pending>';
  }
  return external.length ? external.join(',') : '<none>';
}

/** Columns and cells of the built-in kinds, as the API server's printers define them. */
const PRINTERS: Record<
  string,
  { columns: TableColumn[]; cells: (o: KubeObject, now: Date) => Cell[] }
> = {
  '/pods': {
    columns: [
      NAME,
      col(
        'Ready',
        'string',
        0,
        '',
        'The aggregate readiness state of this pod for accepting traffic.',
      ),
      col(
        'Status',
        'string',
        0,
        '',
        'The aggregate status of the containers in this pod.',
      ),
      col(
        'Restarts',
        'string',
        0,
        '',
        'The number of times the containers in this pod have been restarted.',
      ),
      AGE,
      col('IP', 'string', 1, '', 'IP address allocated to the pod.'),
      col('Node', 'string', 1, '', 'Name of the node the pod is assigned to.'),
      col(
        'Nominated Node',
        'string',
        1,
        '',
        'Name of the node nominated for this pod.',
      ),
      col('Readiness Gates', 'string', 1, '', 'Readiness gates of the pod.'),
    ],
    cells: (p, now) => {
      const s = podStatus(p);
      const status = obj(p.status);
      const gates = arr(obj(p.spec).readinessGates).length;
      return [
        p.metadata.name ?? '',
        s.ready,
        s.status,
        String(s.restarts),
        age(p.metadata.creationTimestamp, now),
        String(status.podIP ?? '<none>'),
        String(obj(p.spec).nodeName ?? '<none>'),
        String(status.nominatedNodeName ?? '<none>'),
        gates ? `0/${gates}` : '<none>',
      ];
    },
  },
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready', 'string', 0, '', 'Number of the pod with ready state'),
      col(
        'Up-to-date',
        'string',
        0,
        '',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      col(
        'Available',
        'string',
        0,
        '',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      AGE,
      col(
        'Containers',
        'string',
        1,
        '',
        'Names of each container in the template.',
      ),
      col(
        'Images',
        'string',
        1,
        '',
        'Images referenced by each container in the template.',
      ),
      col('Selector', 'string', 1, '', 'Label selector for pods.'),
    ],
    cells: (d, now) => {
      const spec = obj(d.spec);
      const status = obj(d.status);
      const [names, images] = containers(podTemplate(d));
      return [
        d.metadata.name ?? '',
        `${num(status.readyReplicas)}/${num(spec.replicas)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(d.metadata.creationTimestamp, now),
        names,
        images,
        selectorString(spec.selector),
      ];
    },
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'integer', 0, '', 'Number of desired pods.'),
      col('Current', 'integer', 0, '', 'Number of actual pods.'),
      col('Ready', 'integer', 0, '', 'Number of ready pods.'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells: (r, now) => {
      const spec = obj(r.spec);
      const status = obj(r.status);
      const [names, images] = containers(podTemplate(r));
      return [
        r.metadata.name ?? '',
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        age(r.metadata.creationTimestamp, now),
        names,
        images,
        selectorString(spec.selector),
      ];
    },
  },
  'apps/statefulsets': {
    columns: [
      NAME,
      col('Ready', 'string', 0, '', 'Number of the pod with ready state'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
    ],
    cells: (s, now) => {
      const [names, images] = containers(podTemplate(s));
      return [
        s.metadata.name ?? '',
        `${num(obj(s.status).readyReplicas)}/${num(obj(s.spec).replicas)}`,
        age(s.metadata.creationTimestamp, now),
        names,
        images,
      ];
    },
  },
  'apps/daemonsets': {
    columns: [
      NAME,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Node Selector', 'string'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells: (d, now) => {
      const status = obj(d.status);
      const tpl = podTemplate(d);
      const [names, images] = containers(tpl);
      const ns = Object.entries(obj(tpl.nodeSelector)).map(
        ([k, v]) => `${k}=${String(v)}`,
      );
      return [
        d.metadata.name ?? '',
        num(status.desiredNumberScheduled),
        num(status.currentNumberScheduled),
        num(status.numberReady),
        num(status.updatedNumberScheduled),
        num(status.numberAvailable),
        ns.length ? ns.join(',') : '<none>',
        age(d.metadata.creationTimestamp, now),
        names,
        images,
        selectorString(obj(d.spec).selector),
      ];
    },
  },
  'batch/jobs': {
    columns: [
      NAME,
      col('Status', 'string'),
      col('Completions', 'string'),
      col('Duration', 'string'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells: (j, now) => {
      const status = obj(j.status);
      const spec = obj(j.spec);
      const conditions = arr(status.conditions).map(obj);
      const done = (t: string) =>
        conditions.some(c => c.type === t && c.status === 'True');
      let state = 'Running';
      if (done('Complete')) state = 'Complete';
      else if (done('Failed')) state = 'Failed';
      const start = status.startTime
        ? new Date(String(status.startTime)).getTime()
        : undefined;
      const end = status.completionTime
        ? new Date(String(status.completionTime)).getTime()
        : now.getTime();
      const [names, images] = containers(podTemplate(j));
      return [
        j.metadata.name ?? '',
        state,
        `${num(status.succeeded)}/${spec.completions ?? 1}`,
        start !== undefined ? humanDuration(end - start) : '',
        age(j.metadata.creationTimestamp, now),
        names,
        images,
        selectorString(spec.selector),
      ];
    },
  },
  '/services': {
    columns: [
      NAME,
      col('Type', 'string', 0, '', 'The type of the service.'),
      col('Cluster-IP', 'string', 0, '', 'The cluster IP of the service.'),
      col('External-IP', 'string', 0, '', 'The external IP of the service.'),
      col('Port(s)', 'string', 0, '', 'The ports the service exposes.'),
      AGE,
      col('Selector', 'string', 1, '', 'The selector of the service.'),
    ],
    cells: (s, now) => {
      const spec = obj(s.spec);
      const sel = obj(spec.selector);
      return [
        s.metadata.name ?? '',
        String(spec.type ?? 'ClusterIP'),
        String(spec.clusterIP ?? '<none>'),
        externalIp(spec, obj(s.status)),
        servicePorts(spec),
        age(s.metadata.creationTimestamp, now),
        Object.keys(sel).length
          ? Object.entries(sel)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(',')
          : '<none>',
      ];
    },
  },
  '/configmaps': {
    columns: [
      NAME,
      col('Data', 'string', 0, '', 'Number of data entries.'),
      AGE,
    ],
    cells: (c, now) => [
      c.metadata.name ?? '',
      Object.keys(obj(c.data)).length + Object.keys(obj(c.binaryData)).length,
      age(c.metadata.creationTimestamp, now),
    ],
  },
  '/secrets': {
    columns: [
      NAME,
      col('Type', 'string', 0, '', 'The type of the secret.'),
      col('Data', 'string', 0, '', 'Number of data entries.'),
      AGE,
    ],
    cells: (s, now) => [
      s.metadata.name ?? '',
      String(s.type ?? 'Opaque'),
      Object.keys(obj(s.data)).length,
      age(s.metadata.creationTimestamp, now),
    ],
  },
  '/namespaces': {
    columns: [
      NAME,
      col('Status', 'string', 0, '', 'The status of the namespace.'),
      AGE,
    ],
    cells: (n, now) => [
      n.metadata.name ?? '',
      String(obj(n.status).phase ?? 'Active'),
      age(n.metadata.creationTimestamp, now),
    ],
  },
  'apiextensions.k8s.io/customresourcedefinitions': {
    columns: [
      NAME,
      col('Created At', 'date', 0, '', 'The time the definition was created.'),
    ],
    cells: c => [
      c.metadata.name ?? '',
      String(c.metadata.creationTimestamp ?? ''),
    ],
  },
  '/persistentvolumeclaims': {
    columns: [
      NAME,
      col('Status', 'string'),
      col('Volume', 'string'),
      col('Capacity', 'string'),
      col('Access Modes', 'string'),
      col('StorageClass', 'string'),
      col('VolumeAttributesClass', 'string'),
      AGE,
      col('VolumeMode', 'string', 1),
    ],
    cells: (c, now) => {
      const spec = obj(c.spec);
      const status = obj(c.status);
      const modes = arr(spec.accessModes).map(
        m =>
          ({
            ReadWriteOnce: 'RWO',
            ReadOnlyMany: 'ROX',
            ReadWriteMany: 'RWX',
            ReadWriteOncePod: 'RWOP',
          }[String(m)] ?? String(m)),
      );
      return [
        c.metadata.name ?? '',
        String(status.phase ?? 'Pending'),
        String(spec.volumeName ?? ''),
        String(obj(status.capacity).storage ?? ''),
        modes.join(','),
        String(spec.storageClassName ?? '<unset>'),
        String(spec.volumeAttributesClassName ?? '<unset>'),
        age(c.metadata.creationTimestamp, now),
        String(spec.volumeMode ?? 'Filesystem'),
      ];
    },
  },
};

/** A JSONPath of `additionalPrinterColumns`: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.k=="v")].b`. */
export function evalJsonPath(root: unknown, path: string): unknown[] {
  const expr = path
    .trim()
    .replace(/^\{|\}$/g, '')
    .replace(/^\$/, '');
  const tokens = expr.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let current: unknown[] = [root];
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const value of current) {
      if (token.startsWith('.')) {
        const key = token.slice(1);
        if (isObject(value) && value[key] !== undefined) next.push(value[key]);
        continue;
      }
      const inner = token.slice(1, -1).trim();
      if (!Array.isArray(value)) continue;
      if (inner === '*') next.push(...value);
      else if (/^-?\d+$/.test(inner)) {
        const i = Number(inner);
        const item = value[i < 0 ? value.length + i : i];
        if (item !== undefined) next.push(item);
      } else {
        const m = /^\?\(@\.([\w.-]+)\s*(==|!=)\s*["']?([^"']*)["']?\)$/.exec(
          inner,
        );
        if (!m) continue;
        for (const item of value) {
          const got = evalJsonPath(item, `.${m[1]}`)[0];
          const eq = got !== undefined && String(got) === m[3];
          if (m[2] === '==' ? eq : !eq) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

function crdColumns(
  store: ObjectStore,
  rt: ResourceType,
  version: string,
): { columns: TableColumn[]; paths: string[]; types: string[] } | undefined {
  const crd = store.get(
    'apiextensions.k8s.io/customresourcedefinitions',
    undefined,
    `${rt.plural}.${rt.group}`,
  );
  const v = arr(obj(crd?.spec).versions)
    .map(obj)
    .find(x => x.name === version);
  const defs = arr(v?.additionalPrinterColumns).map(obj);
  if (!defs.length) return undefined;
  return {
    columns: defs.map(d =>
      col(
        String(d.name ?? ''),
        String(d.type ?? 'string'),
        num(d.priority),
        String(d.format ?? ''),
        String(d.description ?? ''),
      ),
    ),
    paths: defs.map(d => String(d.jsonPath ?? '')),
    types: defs.map(d => String(d.type ?? 'string')),
  };
}

function crdCell(values: unknown[], type: string, now: Date): Cell {
  if (!values.length) return null;
  const v = values[0];
  if (type === 'date') return age(v, now);
  if (type === 'integer' || type === 'number')
    return typeof v === 'number' ? v : Number(v);
  if (type === 'boolean')
    return typeof v === 'boolean' ? v : String(v) === 'true';
  return values
    .map(x => (typeof x === 'object' ? JSON.stringify(x) : String(x)))
    .join(',');
}

/**
 * The Table for a get or list answer (`body` is what the JSON answer would be); the
 * objects come in the requested version.
 */
export function toTable(options: {
  rt: ResourceType;
  version: string;
  body: JsonObject;
  tableVersion: string;
  includeObject: string | null;
  store: ObjectStore;
  now: Date;
}): JsonObject {
  const { rt, version, body, now } = options;
  const isList = Array.isArray(body.items);
  const items = (
    isList ? (body.items as KubeObject[]) : [body as KubeObject]
  ).map(o => ({
    ...o,
    apiVersion: groupVersion(rt.group, version),
    kind: rt.kind,
  }));
  let columns: TableColumn[];
  let cells: (o: KubeObject) => Cell[];
  const printer = rt.builtin ? PRINTERS[`${rt.group}/${rt.plural}`] : undefined;
  const custom = rt.builtin
    ? undefined
    : crdColumns(options.store, rt, version);
  if (printer) {
    columns = printer.columns;
    cells = o => printer.cells(o, now);
  } else if (custom) {
    columns = [NAME, ...custom.columns];
    cells = o => [
      o.metadata.name ?? '',
      ...custom.paths.map((p, i) =>
        crdCell(evalJsonPath(o, p), custom.types[i], now),
      ),
    ];
  } else {
    columns = [NAME, AGE];
    cells = o => [
      o.metadata.name ?? '',
      age(o.metadata.creationTimestamp, now),
    ];
  }
  const include = options.includeObject ?? 'Metadata';
  const rowObject = (o: KubeObject): unknown => {
    if (include === 'None') return undefined;
    if (include === 'Object') return o;
    return {
      kind: 'PartialObjectMetadata',
      apiVersion: `meta.k8s.io/${options.tableVersion}`,
      metadata: o.metadata,
    };
  };
  const meta = isList
    ? obj(body.metadata)
    : { resourceVersion: (body as KubeObject).metadata.resourceVersion };
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.tableVersion}`,
    metadata: {
      ...(meta.resourceVersion !== undefined
        ? { resourceVersion: meta.resourceVersion }
        : {}),
      ...(meta.continue ? { continue: meta.continue } : {}),
      ...(meta.remainingItemCount !== undefined
        ? { remainingItemCount: meta.remainingItemCount }
        : {}),
    },
    columnDefinitions: columns,
    rows: items.map(o => {
      const object = rowObject(o);
      return { cells: cells(o), ...(object !== undefined ? { object } : {}) };
    }),
  };
}
