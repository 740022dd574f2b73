import { LabelRequirement, matchesLabels } from './selectors';
import type { KubeObject } from './types';

/**
 * A change to a stored object, as controllers and watches see it.
 *
 * @public
 */
export interface ChangeEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Storage key of the resource, `<group>/<plural>`. */
  resource: string;
  object: KubeObject;
  old?: KubeObject;
}

interface Table {
  objects: Map<string, KubeObject>;
  byNamespace: Map<string, Set<string>>;
  /** label key → label value → object keys: selectors pick candidates without a scan. */
  byLabel: Map<string, Map<string, Set<string>>>;
  /** Keys in API order, rebuilt lazily after inserts and deletes (not on updates). */
  sorted: string[] | null;
}

/** The storage key of an object within its resource: `namespace/name` or `name`. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function addTo<K, V>(map: Map<K, Set<V>>, k: K, v: V): void {
  let s = map.get(k);
  if (!s) map.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, k: K, v: V): void {
  const s = map.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) map.delete(k);
}

/**
 * In-memory object storage of one cluster, with the indexes that keep selectors fast
 * at tens of thousands of objects, and the cluster-wide resourceVersion counter.
 *
 * @public
 */
export class ObjectStore {
  private counter = 0;
  private readonly tables = new Map<string, Table>();
  private readonly byUid = new Map<string, { resource: string; key: string }>();
  /** owner uid → `resource\nkey` of its dependents, for garbage collection. */
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly listeners = new Set<(e: ChangeEvent) => void>();

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The resourceVersion of the latest write, as a list reports it. */
  resourceVersion(): string {
    return String(this.counter);
  }

  /** Allocates the next resourceVersion. */
  nextResourceVersion(): string {
    this.counter += 1;
    return String(this.counter);
  }

  private table(resource: string): Table {
    let t = this.tables.get(resource);
    if (!t) {
      t = {
        objects: new Map(),
        byNamespace: new Map(),
        byLabel: new Map(),
        sorted: null,
      };
      this.tables.set(resource, t);
    }
    return t;
  }

  get(
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    return this.tables.get(resource)?.objects.get(objectKey(namespace, name));
  }

  /** Where the object with this uid lives, if it exists. */
  findUid(uid: string): { resource: string; object: KubeObject } | undefined {
    const ref = this.byUid.get(uid);
    if (!ref) return undefined;
    const object = this.tables.get(ref.resource)?.objects.get(ref.key);
    return object ? { resource: ref.resource, object } : undefined;
  }

  /** Objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): { resource: string; object: KubeObject }[] {
    const out: { resource: string; object: KubeObject }[] = [];
    for (const ref of this.byOwner.get(uid) ?? []) {
      const [resource, key] = ref.split('\n');
      const object = this.tables.get(resource)?.objects.get(key);
      if (object) out.push({ resource, object });
    }
    return out;
  }

  /** Stores a new version of an object (its resourceVersion is already set). */
  put(resource: string, object: KubeObject): void {
    const t = this.table(resource);
    const ns = object.metadata.namespace;
    const key = objectKey(ns, object.metadata.name!);
    const old = t.objects.get(key);
    if (old) this.unindex(resource, t, key, old);
    else t.sorted = null;
    t.objects.set(key, object);
    this.index(resource, t, key, object);
    this.emit({ type: old ? 'MODIFIED' : 'ADDED', resource, object, old });
  }

  /** Removes an object; the DELETED event carries it with a new resourceVersion. */
  remove(
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const t = this.tables.get(resource);
    const key = objectKey(namespace, name);
    const old = t?.objects.get(key);
    if (!t || !old) return undefined;
    this.unindex(resource, t, key, old);
    t.objects.delete(key);
    t.sorted = null;
    const last = {
      ...old,
      metadata: {
        ...old.metadata,
        resourceVersion: this.nextResourceVersion(),
      },
    };
    this.emit({ type: 'DELETED', resource, object: last, old });
    return last;
  }

  /** Drops every object of a resource (its CRD was deleted). */
  dropResource(resource: string): void {
    const t = this.tables.get(resource);
    if (!t) return;
    for (const obj of [...t.objects.values()]) {
      this.remove(resource, obj.metadata.namespace, obj.metadata.name!);
    }
    this.tables.delete(resource);
  }

  private index(
    resource: string,
    t: Table,
    key: string,
    obj: KubeObject,
  ): void {
    const ns = obj.metadata.namespace ?? '';
    addTo(t.byNamespace, ns, key);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      let values = t.byLabel.get(k);
      if (!values) t.byLabel.set(k, (values = new Map()));
      addTo(values, v, key);
    }
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, { resource, key });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (ref?.uid) addTo(this.byOwner, ref.uid, `${resource}\n${key}`);
    }
  }

  private unindex(
    resource: string,
    t: Table,
    key: string,
    obj: KubeObject,
  ): void {
    removeFrom(t.byNamespace, obj.metadata.namespace ?? '', key);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      const values = t.byLabel.get(k);
      if (!values) continue;
      removeFrom(values, v, key);
      if (values.size === 0) t.byLabel.delete(k);
    }
    if (obj.metadata.uid) this.byUid.delete(obj.metadata.uid);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (ref?.uid) removeFrom(this.byOwner, ref.uid, `${resource}\n${key}`);
    }
  }

  private emit(e: ChangeEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /** How many objects of a resource are stored in a namespace (or in all). */
  count(resource: string, namespace?: string): number {
    const t = this.tables.get(resource);
    if (!t) return 0;
    return namespace === undefined
      ? t.objects.size
      : t.byNamespace.get(namespace)?.size ?? 0;
  }

  /** Resources that have objects in a namespace. */
  resourcesInNamespace(namespace: string): string[] {
    const out: string[] = [];
    for (const [resource, t] of this.tables) {
      if (t.byNamespace.get(namespace)?.size) out.push(resource);
    }
    return out;
  }

  /**
   * Objects of a resource in key order, optionally within one namespace and matching a
   * label selector, starting after `after` (a key, for paging). Label requirements that
   * name values (`=`, `in`, exists) narrow the candidates through the label index first.
   */
  select(
    resource: string,
    options: {
      namespace?: string;
      labels?: LabelRequirement[];
      after?: string;
    } = {},
  ): { key: string; object: KubeObject }[] {
    const t = this.tables.get(resource);
    if (!t) return [];
    const reqs = options.labels ?? [];
    let candidates: Set<string> | undefined;
    for (const r of reqs) {
      if (r.op !== 'in' && r.op !== 'exists') continue;
      const values = t.byLabel.get(r.key);
      const set = new Set<string>();
      if (values) {
        if (r.op === 'exists')
          for (const s of values.values()) for (const k of s) set.add(k);
        else if (r.op === 'in') {
          for (const v of r.values)
            for (const k of values.get(v) ?? []) set.add(k);
        }
      }
      if (!candidates || set.size < candidates.size) candidates = set;
      if (set.size === 0) return [];
    }
    if (options.namespace !== undefined) {
      const inNs = t.byNamespace.get(options.namespace) ?? new Set<string>();
      if (!candidates || inNs.size < candidates.size) {
        const base = candidates;
        candidates = base ? new Set([...inNs].filter(k => base.has(k))) : inNs;
      } else {
        candidates = new Set([...candidates].filter(k => inNs.has(k)));
      }
    }
    let keys: string[];
    if (candidates && candidates.size * 8 < t.objects.size) {
      keys = [...candidates].sort();
    } else {
      if (!t.sorted) t.sorted = [...t.objects.keys()].sort();
      keys = candidates ? t.sorted.filter(k => candidates!.has(k)) : t.sorted;
    }
    const out: { key: string; object: KubeObject }[] = [];
    let start = 0;
    if (options.after !== undefined) {
      // Binary search for the first key after the continue position.
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keys[mid] <= options.after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    for (let i = start; i < keys.length; i++) {
      const object = t.objects.get(keys[i])!;
      if (
        options.namespace !== undefined &&
        (object.metadata.namespace ?? '') !== options.namespace
      )
        continue;
      if (reqs.length && !matchesLabels(reqs, object.metadata.labels)) continue;
      out.push({ key: keys[i], object });
    }
    return out;
  }

  /** Every stored object by resource, for snapshots. */
  dump(): { resourceVersion: number; objects: Record<string, KubeObject[]> } {
    const objects: Record<string, KubeObject[]> = {};
    for (const [resource, t] of this.tables) {
      if (t.objects.size) objects[resource] = [...t.objects.values()];
    }
    return { resourceVersion: this.counter, objects };
  }

  /** Replaces the contents with a snapshot, without emitting events. */
  load(data: {
    resourceVersion: number;
    objects: Record<string, KubeObject[]>;
  }): void {
    this.tables.clear();
    this.byUid.clear();
    this.byOwner.clear();
    this.counter = data.resourceVersion;
    for (const [resource, list] of Object.entries(data.objects)) {
      const t = this.table(resource);
      for (const obj of list) {
        const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
        t.objects.set(key, obj);
        this.index(resource, t, key, obj);
      }
    }
  }
}
