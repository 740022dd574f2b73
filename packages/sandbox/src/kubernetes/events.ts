/*
 * Events: what the simulated controllers and kubelet record about the objects they act
 * on, stored as core/v1 Events (what `kubectl describe` lists) and also served read-only
 * in the events.k8s.io/v1 shape.
 */
import type { Cluster } from './cluster';
import { notFound } from './errors';
import { isObject, JsonObject } from './json';
import { groupVersion, ResourceType } from './resources';
import type { KubeObject } from './types';

const EVENTS = '/events';
const NAMESPACES = '/namespaces';

/** How many events one namespace keeps; the oldest go first, as their TTL would expire them. */
export const MAX_EVENTS_PER_NAMESPACE = 500;

/**
 * The severity of an event.
 *
 * @public
 */
export type EventType = 'Normal' | 'Warning';

/**
 * What one recorded event says.
 *
 * @public
 */
export interface EventNote {
  type: EventType;
  reason: string;
  message: string;
  /** The component that reports it: `kubelet`, `default-scheduler`, `deployment-controller`, ... */
  component: string;
  /** The node a kubelet reports from. */
  host?: string;
  /** The part of the object the event is about, e.g. `spec.containers{app}`. */
  fieldPath?: string;
  /** What was done (events.k8s.io `action`); the reason when not given. */
  action?: string;
}

/**
 * Records events the way client-go's recorder does: one Event per object, reason,
 * message and source, whose `count` and `lastTimestamp` grow when it happens again.
 * Nothing is recorded into a namespace that is missing or terminating (the API server
 * would refuse it), and each namespace keeps at most 500 (the oldest go first).
 *
 * @public
 */
export class EventRecorder {
  /** Aggregation key → event name, for the events this recorder wrote. */
  private readonly names = new Map<string, string>();
  private last = 0n;

  constructor(
    private readonly cluster: Cluster,
    private readonly maxPerNamespace = MAX_EVENTS_PER_NAMESPACE,
  ) {}

  /** Records one event about `involved`. */
  record(involved: KubeObject, note: EventNote): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const ns = this.cluster.store.get(NAMESPACES, undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const rt = this.cluster.registry.get(EVENTS)!;
    const now = this.cluster.now();
    const aggregate = [
      namespace,
      involved.metadata.uid,
      note.reason,
      note.message,
      note.component,
      note.fieldPath ?? '',
    ].join('\n');
    const existingName = this.names.get(aggregate);
    const existing =
      existingName && this.cluster.store.get(EVENTS, namespace, existingName);
    if (existing) {
      const next: KubeObject = {
        ...existing,
        metadata: { ...existing.metadata },
        count: Number(existing.count ?? 1) + 1,
        lastTimestamp: now,
      };
      this.cluster.writeInternal(rt, existing, next, note.component);
      return;
    }
    const name = `${involved.metadata.name}.${this.stamp()}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: involved.kind,
        namespace: involved.metadata.namespace,
        name: involved.metadata.name,
        uid: involved.metadata.uid,
        apiVersion: involved.apiVersion,
        resourceVersion: involved.metadata.resourceVersion,
        ...(note.fieldPath ? { fieldPath: note.fieldPath } : {}),
      },
      reason: note.reason,
      message: note.message,
      source: {
        component: note.component,
        ...(note.host ? { host: note.host } : {}),
      },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: note.type,
      eventTime: null,
      reportingComponent: note.component,
      reportingInstance: note.host ?? note.component,
      ...(note.action ? { action: note.action } : {}),
    };
    this.cluster.create(
      rt,
      'v1',
      namespace,
      event as JsonObject,
      'application/json',
      {
        fieldManager: note.component,
      },
    );
    this.names.set(aggregate, name);
    this.trim(namespace);
  }

  /**
   * The suffix of a new event's name: its time in nanoseconds as hex, as client-go names
   * events, strictly increasing so that names sort in the order events happened.
   */
  private stamp(): string {
    const nanos = BigInt(Date.now()) * 1_000_000n;
    this.last = nanos > this.last ? nanos : this.last + 1n;
    return this.last.toString(16);
  }

  /** Drops the oldest events of a namespace beyond the cap. */
  private trim(namespace: string): void {
    const events = this.cluster.store
      .select(EVENTS, { namespace })
      .map(e => e.object);
    if (events.length <= this.maxPerNamespace) return;
    const oldest = [...events]
      .sort((a, b) =>
        String(a.lastTimestamp ?? a.metadata.creationTimestamp).localeCompare(
          String(b.lastTimestamp ?? b.metadata.creationTimestamp),
        ),
      )
      .slice(0, events.length - this.maxPerNamespace);
    for (const e of oldest)
      this.cluster.store.remove(EVENTS, namespace, e.metadata.name!);
    if (this.names.size > this.maxPerNamespace * 20) this.names.clear();
  }
}

/** An RFC 3339 time with microseconds, the MicroTime format of `eventTime`. */
function microTime(t: unknown): string | undefined {
  if (typeof t !== 'string' || !t) return undefined;
  return t.replace(/Z$/, '.000000Z');
}

/** A core/v1 Event in the events.k8s.io/v1 shape. */
export function toEventsV1(e: KubeObject): KubeObject {
  const source = isObject(e.source) ? e.source : {};
  const count = Number(e.count ?? 1);
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: microTime(e.eventTime) ?? microTime(e.firstTimestamp) ?? null,
    ...(count > 1
      ? {
          series: {
            count,
            lastObservedTime: microTime(e.lastTimestamp),
          },
        }
      : {}),
    reportingController: e.reportingComponent ?? source.component ?? '',
    reportingInstance: e.reportingInstance ?? source.host ?? '',
    action: e.action ?? e.reason,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    deprecatedSource: source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: count,
  };
}

/** Field selectors of events.k8s.io mapped onto the stored core fields. */
const V1_FIELDS: Record<string, string> = {
  'regarding.kind': 'involvedObject.kind',
  'regarding.name': 'involvedObject.name',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  reportingController: 'reportingComponent',
};

/** Rewrites an events.k8s.io field selector to the core one it is stored under. */
export function coreFieldSelector(
  selector: string | undefined,
): string | undefined {
  if (!selector) return selector;
  return selector
    .split(',')
    .map(part => {
      const m = /^\s*([^=!\s]+)(.*)$/.exec(part);
      return m && V1_FIELDS[m[1]] ? `${V1_FIELDS[m[1]]}${m[2]}` : part;
    })
    .join(',');
}

/**
 * GET of events.k8s.io/v1 events: the stored core events in the newer shape.
 */
export function serveEventsV1(
  cluster: Cluster,
  rt: ResourceType,
  version: string,
  namespace: string | undefined,
  name: string | undefined,
  options: {
    labelSelector?: string;
    fieldSelector?: string;
    limit?: number;
    continue?: string;
  },
): JsonObject {
  const core = cluster.registry.get(EVENTS)!;
  if (name !== undefined) {
    const e = cluster.store.get(EVENTS, namespace, name);
    if (!e) throw notFound(rt, name);
    return toEventsV1(e) as JsonObject;
  }
  const page = cluster.list(core, namespace, {
    ...options,
    fieldSelector: coreFieldSelector(options.fieldSelector),
  });
  return {
    kind: 'EventList',
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
    items: page.items.map(e => {
      const { apiVersion: _a, kind: _k, ...rest } = toEventsV1(e);
      return rest;
    }),
  };
}
