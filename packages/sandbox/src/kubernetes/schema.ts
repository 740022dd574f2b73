import { applyWorkloadDefaults } from './defaults';
import { isObject, JsonObject } from './json';
import type { ResourceType } from './resources';

/**
 * How a list field merges, as the Kubernetes schemas declare it: associative lists are
 * merged item by item on their key fields (`x-kubernetes-list-map-keys` for server-side
 * apply, `patchMergeKey` for strategic merge patch), sets by value, atomic lists are
 * replaced whole.
 */
export type ListType =
  | { type: 'map'; keys: string[]; smpKey: string }
  | { type: 'set' }
  | { type: 'atomic' };

const ATOMIC: ListType = { type: 'atomic' };
const byName: ListType = { type: 'map', keys: ['name'], smpKey: 'name' };

const NAMED_LISTS = new Set([
  'containers',
  'initContainers',
  'ephemeralContainers',
  'env',
  'volumes',
  'imagePullSecrets',
]);

const CONTAINER_LISTS = new Set([
  'containers',
  'initContainers',
  'ephemeralContainers',
]);

/**
 * The list type at a field path (field names only, list positions omitted). Custom
 * resources only know the metadata lists: their structural schemas default to atomic.
 */
export function listTypeAt(
  builtin: boolean,
  path: readonly string[],
): ListType {
  const last = path[path.length - 1];
  if (path.length === 2 && path[0] === 'metadata') {
    if (last === 'finalizers') return { type: 'set' };
    if (last === 'ownerReferences')
      return { type: 'map', keys: ['uid'], smpKey: 'uid' };
    return ATOMIC;
  }
  if (!builtin) return ATOMIC;
  if (NAMED_LISTS.has(last)) return byName;
  if (last === 'ports') {
    const parent = path[path.length - 2];
    if (CONTAINER_LISTS.has(parent)) {
      return {
        type: 'map',
        keys: ['containerPort', 'protocol'],
        smpKey: 'containerPort',
      };
    }
    return { type: 'map', keys: ['port', 'protocol'], smpKey: 'port' };
  }
  switch (last) {
    case 'volumeMounts':
      return { type: 'map', keys: ['mountPath'], smpKey: 'mountPath' };
    case 'volumeDevices':
      return { type: 'map', keys: ['devicePath'], smpKey: 'devicePath' };
    case 'hostAliases':
      return { type: 'map', keys: ['ip'], smpKey: 'ip' };
    case 'conditions':
      return { type: 'map', keys: ['type'], smpKey: 'type' };
    case 'topologySpreadConstraints':
      return {
        type: 'map',
        keys: ['topologyKey', 'whenUnsatisfiable'],
        smpKey: 'topologyKey',
      };
    case 'secrets':
      return path[0] === 'secrets' || path.length === 1 ? byName : ATOMIC;
    default:
      return ATOMIC;
  }
}

/** Values the API server defaults on list-map keys when an item omits them. */
export function keyDefault(field: string): unknown {
  return field === 'protocol' ? 'TCP' : undefined;
}

/** The key of one associative-list item, with defaults filled in. */
export function itemKey(
  item: unknown,
  keys: readonly string[],
): JsonObject | undefined {
  if (!isObject(item)) return undefined;
  const out: JsonObject = {};
  for (const k of keys) {
    const v = item[k] ?? keyDefault(k);
    if (v === undefined) return undefined;
    out[k] = v;
  }
  return out;
}

function defaultPorts(ports: unknown, kind: 'container' | 'service'): void {
  if (!Array.isArray(ports)) return;
  for (const p of ports) {
    if (!isObject(p)) continue;
    if (p.protocol === undefined) p.protocol = 'TCP';
    if (
      kind === 'service' &&
      p.targetPort === undefined &&
      p.port !== undefined
    ) {
      p.targetPort = p.port;
    }
  }
}

function defaultPodSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  for (const list of ['containers', 'initContainers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers)
      if (isObject(c)) defaultPorts(c.ports, 'container');
  }
}

/**
 * The few defaults the real API server fills in that clients commonly read back
 * (replicas, port protocols, service type, secret type). Defaulting is idempotent, so
 * re-applying the same configuration stays a no-op.
 */
export function applyDefaults(rt: ResourceType, obj: JsonObject): void {
  if (!rt.builtin) return;
  applyWorkloadDefaults(`${rt.group}/${rt.plural}`, obj);
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  switch (`${rt.group}/${rt.plural}`) {
    case '/namespaces': {
      const s = spec ?? (obj.spec = {});
      if (isObject(s) && s.finalizers === undefined)
        s.finalizers = ['kubernetes'];
      break;
    }
    case '/secrets':
      if (obj.type === undefined) obj.type = 'Opaque';
      break;
    case '/services':
      if (spec) {
        if (spec.type === undefined) spec.type = 'ClusterIP';
        if (spec.sessionAffinity === undefined) spec.sessionAffinity = 'None';
        defaultPorts(spec.ports, 'service');
      }
      break;
    case '/pods':
      defaultPodSpec(spec);
      break;
    case 'apps/deployments':
    case 'apps/statefulsets':
    case 'apps/replicasets':
      if (spec) {
        if (spec.replicas === undefined) spec.replicas = 1;
        if (isObject(spec.template)) defaultPodSpec(spec.template.spec);
      }
      break;
    case 'apps/daemonsets':
    case 'batch/jobs':
      if (spec && isObject(spec.template)) defaultPodSpec(spec.template.spec);
      break;
    default:
      break;
  }
}
