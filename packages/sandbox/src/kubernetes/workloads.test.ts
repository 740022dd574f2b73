import { FaultInjector } from '../common/faults';
import { RequestLog } from '../common/requestLog';
import { PATCH_TYPES } from './cluster';
import { EventRecorder } from './events';
import { NODE_NAME } from './nodes';
import { logOptions, podLog } from './podLogs';
import {
  currentRevision,
  podTemplateHash,
  REVISION_ANNOTATION,
} from './rollouts';
import { KubernetesSimulator } from './simulator';
import { TokenAuthority } from './tokens';
import type { ControllerPace, KubeObject } from './types';

function sim(options: { pace?: ControllerPace; now?: () => Date } = {}) {
  return new KubernetesSimulator({
    name: 't',
    token: 'admin-token',
    log: new RequestLog(),
    faults: new FaultInjector(),
    pace: options.pace ?? 'instant',
    now: options.now,
  });
}

const NS = 'apps';

function deployment(image: string, replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  };
}

function setup(options: { pace?: ControllerPace; now?: () => Date } = {}) {
  const s = sim(options);
  s.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  return s;
}

const events = (s: KubernetesSimulator, name: string) =>
  s
    .list('v1', 'Event', { namespace: NS })
    .filter(e => (e.involvedObject as { name: string }).name === name);

const podsOf = (s: KubernetesSimulator) =>
  s.list('v1', 'Pod', { namespace: NS, labelSelector: 'app=web' });

describe('deployment revisions', () => {
  it('names ReplicaSets by template hash, numbers revisions and scales the old one down', () => {
    const s = setup();
    s.apply(deployment('nginx:1.25'));
    const first = s.list('apps/v1', 'ReplicaSet', { namespace: NS });
    expect(first).toHaveLength(1);
    const hash = first[0].metadata.labels!['pod-template-hash'];
    expect(first[0].metadata.name).toBe(`web-${hash}`);
    expect(first[0].metadata.annotations![REVISION_ANNOTATION]).toBe('1');
    expect(first[0].metadata.ownerReferences![0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true,
    });
    expect(
      s.get('apps/v1', 'Deployment', 'web', NS)!.metadata.annotations![
        REVISION_ANNOTATION
      ],
    ).toBe('1');

    s.apply(deployment('nginx:1.26'));
    const sets = s.list('apps/v1', 'ReplicaSet', { namespace: NS });
    const byRev = Object.fromEntries(
      sets.map(r => [
        r.metadata.annotations![REVISION_ANNOTATION],
        (r.spec as { replicas: number }).replicas,
      ]),
    );
    expect(byRev).toEqual({ '1': 0, '2': 2 });
    expect(podsOf(s).every(p => JSON.stringify(p.spec).includes('1.26'))).toBe(
      true,
    );

    // What `kubectl rollout undo` sends: the old ReplicaSet's template, re-encoded by a
    // typed client (nulls and empty objects) and without the hash label.
    const old = sets.find(
      r => r.metadata.annotations![REVISION_ANNOTATION] === '1',
    )!;
    const template = JSON.parse(JSON.stringify((old.spec as any).template));
    delete template.metadata.labels['pod-template-hash'];
    template.metadata.creationTimestamp = null;
    template.spec.containers[0].resources = {};
    const d = s.get('apps/v1', 'Deployment', 'web', NS)!;
    s.cluster.patch(
      s.cluster.typeOf(d),
      'v1',
      NS,
      'web',
      JSON.stringify([
        { op: 'replace', path: '/spec/template', value: template },
      ]),
      PATCH_TYPES.json,
      {},
    );
    s.settle();
    const after = s.list('apps/v1', 'ReplicaSet', { namespace: NS });
    expect(after).toHaveLength(2);
    const reused = after.find(r => r.metadata.name === old.metadata.name)!;
    expect(reused.metadata.annotations![REVISION_ANNOTATION]).toBe('3');
    expect((reused.spec as { replicas: number }).replicas).toBe(2);
    expect(
      s.get('apps/v1', 'Deployment', 'web', NS)!.metadata.annotations![
        REVISION_ANNOTATION
      ],
    ).toBe('3');
    expect(s.get('apps/v1', 'Deployment', 'web', NS)!.status).toMatchObject({
      updatedReplicas: 2,
      availableReplicas: 2,
      replicas: 2,
    });
  });

  it('hashes templates the same whatever their encoding, and differently when pods differ', () => {
    const a = {
      metadata: { labels: { app: 'x', b: '1' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    const b = {
      spec: { containers: [{ image: 'i', name: 'c', resources: {} }] },
      metadata: {
        creationTimestamp: null,
        labels: { b: '1', app: 'x', 'pod-template-hash': 'zzz' },
      },
    };
    expect(podTemplateHash(a)).toBe(podTemplateHash(b));
    expect(podTemplateHash(a)).toMatch(/^[a-z0-9]{10}$/);
    expect(
      podTemplateHash({
        ...a,
        spec: { containers: [{ name: 'c', image: 'j' }] },
      }),
    ).not.toBe(podTemplateHash(a));
  });

  it('keeps the current revision, and makes a rolled-back one the newest', () => {
    const rs = (name: string, rev: number): KubeObject => ({
      metadata: { name, annotations: { [REVISION_ANNOTATION]: String(rev) } },
    });
    expect(currentRevision([rs('a', 1), rs('b', 2)], 'b')).toBe('2');
    expect(currentRevision([rs('a', 1), rs('b', 2)], 'a')).toBe('3');
    expect(currentRevision([rs('a', 1)], 'new')).toBe('2');
    expect(currentRevision([], 'new')).toBe('1');
  });
});

describe('events', () => {
  it('records what the controllers, the scheduler and the kubelet did', () => {
    const s = setup();
    s.apply(deployment('nginx:1.25', 1));
    const d = events(s, 'web');
    expect(
      d.map(e => [e.reason, e.message, (e.source as any).component]),
    ).toEqual([
      [
        'ScalingReplicaSet',
        expect.stringMatching(/^Scaled up replica set web-\w+ from 0 to 1$/),
        'deployment-controller',
      ],
    ]);
    const rs = s.list('apps/v1', 'ReplicaSet', { namespace: NS })[0];
    const pod = podsOf(s)[0];
    expect(events(s, rs.metadata.name!).map(e => e.message)).toEqual([
      `Created pod: ${pod.metadata.name}`,
    ]);
    const podEvents = events(s, pod.metadata.name!);
    expect(podEvents.map(e => e.reason)).toEqual([
      'Scheduled',
      'Pulling',
      'Pulled',
      'Created',
      'Started',
    ]);
    expect(podEvents[0]).toMatchObject({
      type: 'Normal',
      count: 1,
      involvedObject: { kind: 'Pod', uid: pod.metadata.uid, namespace: NS },
      message: `Successfully assigned ${NS}/${pod.metadata.name} to ${NODE_NAME}`,
    });
    expect(podEvents[1]).toMatchObject({
      involvedObject: { fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: NODE_NAME },
    });
  });

  it('warns with BackOff for a container that keeps failing', () => {
    const s = setup();
    s.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'broken',
        namespace: NS,
        annotations: { 'sandbox.ml-platform.io/fail': 'no config' },
      },
      spec: { containers: [{ name: 'app', image: 'x' }] },
    });
    const warning = events(s, 'broken').find(e => e.type === 'Warning');
    expect(warning).toMatchObject({ reason: 'BackOff' });
  });

  it('counts repeats in one event and keeps each namespace bounded', () => {
    const s = setup();
    const recorder = new EventRecorder(s.cluster, 3);
    const cm = s.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: NS },
    });
    const note = {
      type: 'Normal' as const,
      reason: 'Seen',
      message: 'm',
      component: 'test',
    };
    recorder.record(cm, note);
    recorder.record(cm, note);
    expect(events(s, 'cm')).toEqual([expect.objectContaining({ count: 2 })]);
    for (let i = 0; i < 5; i++)
      recorder.record(cm, { ...note, message: `m${i}` });
    const left = events(s, 'cm');
    expect(left).toHaveLength(3);
    expect(left.map(e => e.message)).toEqual(['m2', 'm3', 'm4']);
  });

  it('records nothing into a namespace that is going away', () => {
    const s = setup();
    const recorder = new EventRecorder(s.cluster);
    s.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'gone' },
    });
    const cm = s.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cm',
        namespace: 'gone',
        finalizers: ['example.com/hold'],
      },
    });
    const nsType = s.cluster.typeOf({ apiVersion: 'v1', kind: 'Namespace' });
    s.cluster.delete(nsType, undefined, 'gone', {});
    s.settle();
    expect(
      s.get('v1', 'Namespace', 'gone')!.metadata.deletionTimestamp,
    ).toBeDefined();
    recorder.record(cm, {
      type: 'Normal',
      reason: 'R',
      message: 'm',
      component: 't',
    });
    expect(s.list('v1', 'Event', { namespace: 'gone' })).toEqual([]);
  });
});

describe('graceful pod termination', () => {
  const pod = (
    name: string,
    extra: Record<string, unknown> = {},
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, ...extra },
    spec: { containers: [{ name: 'app', image: 'x' }] },
  });
  const del = (s: KubernetesSimulator, name: string, body = {}) => {
    const r = s.cluster.delete(s.cluster.typeOf(pod(name)), NS, name, { body });
    return { code: r.code, object: r.object as KubeObject };
  };

  it('marks the pod with its grace period; the kubelet removes it on its next step', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const s = setup({ pace: 60_000, now: () => now });
    s.apply(pod('p'));
    s.settle();
    expect(s.get('v1', 'Pod', 'p', NS)!.spec).toMatchObject({
      nodeName: NODE_NAME,
    });
    const r = del(s, 'p');
    expect(r.object.metadata).toMatchObject({
      deletionTimestamp: '2026-01-01T00:00:30Z',
      deletionGracePeriodSeconds: 30,
    });
    expect(
      s.get('v1', 'Pod', 'p', NS)!.metadata.deletionTimestamp,
    ).toBeDefined();
    now = new Date('2026-01-01T00:00:01Z');
    s.settle();
    expect(s.get('v1', 'Pod', 'p', NS)).toBeUndefined();
    expect(events(s, 'p').map(e => e.reason)).toContain('Killing');
  });

  it('takes the grace period from the request, then the spec; zero deletes at once', () => {
    const s = setup({ pace: 60_000 });
    s.apply({
      ...pod('a'),
      spec: { ...(pod('a').spec as object), terminationGracePeriodSeconds: 5 },
    });
    s.apply(pod('b'));
    s.apply(pod('c'));
    s.settle();
    expect(del(s, 'a').object.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(
      del(s, 'b', { gracePeriodSeconds: 7 }).object.metadata
        .deletionGracePeriodSeconds,
    ).toBe(7);
    // A second, shorter request shortens it; a longer one does not lengthen it.
    expect(
      del(s, 'b', { gracePeriodSeconds: 3 }).object.metadata
        .deletionGracePeriodSeconds,
    ).toBe(3);
    expect(
      del(s, 'b', { gracePeriodSeconds: 9 }).object.metadata
        .deletionGracePeriodSeconds,
    ).toBe(3);
    del(s, 'c', { gracePeriodSeconds: 0 });
    expect(s.get('v1', 'Pod', 'c', NS)).toBeUndefined();
    expect(() => del(s, 'a', { gracePeriodSeconds: 'soon' })).toThrow(
      /gracePeriodSeconds/,
    );
  });

  it('keeps a terminating pod while a finalizer holds it', () => {
    const s = setup();
    s.apply(pod('held', { finalizers: ['example.com/hold'] }));
    del(s, 'held');
    s.settle();
    const held = s.get('v1', 'Pod', 'held', NS)!;
    expect(held.metadata.deletionTimestamp).toBeDefined();
    const rt = s.cluster.typeOf(held);
    s.cluster.patch(
      rt,
      'v1',
      NS,
      'held',
      JSON.stringify({ metadata: { finalizers: null } }),
      PATCH_TYPES.merge,
      {},
    );
    expect(s.get('v1', 'Pod', 'held', NS)).toBeUndefined();
  });

  it('replaces a terminating pod of a ReplicaSet at once', () => {
    const s = setup({ pace: 60_000 });
    s.apply(deployment('nginx', 1));
    s.settle();
    const [p] = podsOf(s);
    del(s, p.metadata.name!);
    // Only the ReplicaSet's step, not the kubelet's, has run yet.
    s.settle();
    expect(podsOf(s)).toHaveLength(1);
    expect(podsOf(s).some(x => x.metadata.name !== p.metadata.name)).toBe(true);
  });
});

describe('nodes', () => {
  it('serves one Ready node where pods run', () => {
    const s = setup();
    const [node] = s.list('v1', 'Node');
    expect(node.metadata.name).toBe(NODE_NAME);
    const st = node.status as any;
    expect(st.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True' }),
    );
    expect(st.capacity.cpu).toBe('8');
    expect(st.nodeInfo.kubeletVersion).toMatch(/^v1\.\d+/);
    s.apply(deployment('nginx', 1));
    expect(podsOf(s)[0].status).toMatchObject({
      hostIP: st.addresses[0].address,
      podIP: expect.stringMatching(/^10\.244\./),
    });
  });
});

describe('service-account tokens', () => {
  it('issues tokens the cluster accepts until they expire or the account goes', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const s = setup({ now: () => now });
    const authority = new TokenAuthority(s.cluster, 'admin-token');
    const sa = s.get('v1', 'ServiceAccount', 'default', NS)!;
    const issued = authority.issue(sa, { spec: { expirationSeconds: 600 } });
    expect(issued.expirationTimestamp).toBe('2026-01-01T00:10:00Z');
    expect(authority.identify(issued.token)).toMatchObject({
      username: `system:serviceaccount:${NS}:default`,
      groups: expect.arrayContaining(['system:serviceaccounts']),
    });
    expect(authority.identify(`${issued.token}x`)).toBeUndefined();
    expect(
      new TokenAuthority(s.cluster, 'other').identify(issued.token),
    ).toBeUndefined();
    now = new Date('2026-01-01T00:10:01Z');
    expect(authority.identify(issued.token)).toBeUndefined();
    now = new Date('2026-01-01T00:00:00Z');
    s.cluster.delete(s.cluster.typeOf(sa), NS, 'default', {});
    expect(authority.identify(issued.token)).toBeUndefined();
    expect(() =>
      authority.issue(sa, { spec: { expirationSeconds: 60 } }),
    ).toThrow(/less than 10 minutes/);
  });
});

describe('pod logs', () => {
  const pod: KubeObject = {
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'img:1',
          args: ['serve'],
          ports: [{ containerPort: 8080, name: 'http' }],
        },
        { name: 'side', image: 'side:1' },
      ],
    },
    status: {
      startTime: '2026-01-01T00:00:00Z',
      containerStatuses: [
        {
          name: 'app',
          restartCount: 0,
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
        {
          name: 'side',
          restartCount: 2,
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    },
  };
  const q = (s: string) => logOptions(new URLSearchParams(s));
  const now = '2026-01-01T00:01:00Z';

  it('prints the container start, its command, ports and readiness', () => {
    expect(podLog(pod, q('container=app'), undefined, now)).toBe(
      'Starting app from image img:1\nRunning: serve\nListening on port 8080/TCP (http)\napp is ready\n',
    );
    expect(
      podLog(
        pod,
        q('container=app&tailLines=1&timestamps=true'),
        undefined,
        now,
      ),
    ).toBe('2026-01-01T00:00:00.003000000Z app is ready\n');
    expect(
      podLog(pod, q('container=side&previous=true'), 'boom', now),
    ).toContain('Error: boom');
  });

  it('refuses what the API server refuses', () => {
    expect(() => podLog(pod, q(''), undefined, now)).toThrow(
      'a container name must be specified for pod p, choose one of: [app side]',
    );
    expect(() => podLog(pod, q('container=nope'), undefined, now)).toThrow(
      'container nope is not valid for pod p',
    );
    expect(() =>
      podLog(pod, q('container=app&previous=true'), undefined, now),
    ).toThrow('previous terminated container "app" in pod "p" not found');
    expect(() => q('tailLines=-1')).toThrow(/tailLines/);
  });
});
