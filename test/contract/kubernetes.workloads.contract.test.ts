/*
 * Contract of what kubectl's workload commands rely on: events about pods and
 * deployments (both event APIs), deployment revisions and rollback, graceful pod
 * termination, nodes, the review APIs, service-account tokens and pod logs.
 *
 * Runs against the sandbox by default and against the cluster KUBECONFIG names when set
 * (in a namespace of its own); what only the sandbox's simulated containers can promise
 * (the exact log lines) is sandbox-only.
 */
import {
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CoreV1Event,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1APIResourceList,
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import {
  failure,
  KubeTarget,
  realCluster,
  sandboxOnly,
  startKubeTarget,
  statusBody,
  statusCode,
  waitFor,
} from './helpers';

jest.setTimeout(realCluster ? 240_000 : 30_000);

const REVISION = 'deployment.kubernetes.io/revision';
const IMAGE = 'registry.k8s.io/pause:3.9';
const NEXT_IMAGE = 'registry.k8s.io/pause:3.10';
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let t: KubeTarget;
let core: CoreV1Api;
let apps: AppsV1Api;
let ns: string;

beforeAll(async () => {
  t = await startKubeTarget();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  ns = t.namespace;
});

afterAll(async () => {
  await t?.cleanup();
});

const deployment = (name: string, image = IMAGE): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [{ name: 'app', image }],
      },
    },
  },
});

const pod = (name: string, extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, ...extra },
  spec: { containers: [{ name: 'app', image: IMAGE }] },
});

async function rolledOut(name: string): Promise<V1Deployment> {
  return waitFor(
    async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace: ns });
      const s = d.status ?? {};
      const want = d.spec?.replicas ?? 1;
      return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
        s.updatedReplicas === want &&
        s.availableReplicas === want &&
        s.replicas === want
        ? d
        : undefined;
    },
    { what: `deployment ${name} rolled out` },
  );
}

async function replicaSetsOf(name: string): Promise<V1ReplicaSet[]> {
  const list = await apps.listNamespacedReplicaSet({
    namespace: ns,
    labelSelector: `app=${name}`,
  });
  return list.items;
}

/** What `kubectl describe` asks for: the events of one object, by field selector. */
async function eventsAbout(
  kind: string,
  name: string,
  uid?: string,
): Promise<CoreV1Event[]> {
  const fieldSelector = [
    `involvedObject.name=${name}`,
    `involvedObject.namespace=${ns}`,
    `involvedObject.kind=${kind}`,
    ...(uid ? [`involvedObject.uid=${uid}`] : []),
  ].join(',');
  const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector });
  return list.items;
}

async function runningPod(app: string): Promise<V1Pod> {
  return waitFor(
    async () =>
      (
        await core.listNamespacedPod({
          namespace: ns,
          labelSelector: `app=${app}`,
        })
      ).items.find(
        p => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
      ),
    { what: `a running pod of ${app}` },
  );
}

describe('events', () => {
  it('records scheduling and container start for pods, scaling for deployments, through both event APIs', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('ev'),
    });
    await rolledOut('ev');
    const p = await runningPod('ev');
    const reasons = await waitFor(
      async () => {
        const list = await eventsAbout(
          'Pod',
          p.metadata!.name!,
          p.metadata!.uid,
        );
        const r = list.map(e => e.reason);
        return r.includes('Scheduled') && r.includes('Started')
          ? list
          : undefined;
      },
      { what: 'pod events' },
    );
    const scheduled = reasons.find(e => e.reason === 'Scheduled')!;
    expect(scheduled).toMatchObject({
      type: 'Normal',
      involvedObject: {
        kind: 'Pod',
        name: p.metadata!.name,
        uid: p.metadata!.uid,
      },
    });
    expect(scheduled.message).toContain(`${ns}/${p.metadata!.name}`);
    expect(
      scheduled.count ?? scheduled.series?.count ?? 1,
    ).toBeGreaterThanOrEqual(1);
    const started = reasons.find(e => e.reason === 'Started')!;
    expect(started.involvedObject.fieldPath).toBe('spec.containers{app}');
    expect(started.source?.component ?? started.reportingComponent).toBe(
      'kubelet',
    );
    expect(reasons.map(e => e.reason)).toEqual(
      expect.arrayContaining(['Scheduled', 'Created', 'Started']),
    );

    const scaled = await waitFor(
      async () =>
        (
          await eventsAbout('Deployment', 'ev')
        ).find(e => e.reason === 'ScalingReplicaSet'),
      { what: 'deployment events' },
    );
    expect(scaled.message).toMatch(
      /^Scaled up replica set ev-\w+ from 0 to 1$/,
    );
    const [rs] = await replicaSetsOf('ev');
    const created = await waitFor(
      async () =>
        (
          await eventsAbout('ReplicaSet', rs.metadata!.name!)
        ).find(e => e.reason === 'SuccessfulCreate'),
      { what: 'replica set events' },
    );
    expect(created.message).toMatch(/^Created pod: ev-\w+-\w+$/);

    const v1 = t.kc.makeApiClient(EventsV1Api);
    const newer = await v1.listNamespacedEvent({
      namespace: ns,
      fieldSelector: `regarding.name=${p.metadata!.name}`,
    });
    const again = newer.items.find(e => e.reason === 'Scheduled');
    expect(again).toMatchObject({
      regarding: { kind: 'Pod', name: p.metadata!.name },
      note: scheduled.message,
      type: 'Normal',
    });
    expect(again!.reportingController).toBeTruthy();
  });

  it('refuses a field selector events cannot be selected on', async () => {
    const err = await failure(() =>
      core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'spec.nodeName=x',
      }),
    );
    expect(err.code).toBe(400);
  });
});

describe('deployment revisions and rollback', () => {
  it('numbers revisions on the deployment and its ReplicaSets and rolls back to an older template', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('rev'),
    });
    let d = await rolledOut('rev');
    expect(d.metadata!.annotations![REVISION]).toBe('1');
    const [first] = await replicaSetsOf('rev');
    const hash = first.metadata!.labels!['pod-template-hash'];
    expect(first.metadata!.name).toBe(`rev-${hash}`);
    expect(first.metadata!.annotations![REVISION]).toBe('1');
    expect(first.metadata!.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'rev',
        controller: true,
      }),
    ]);

    await apps.patchNamespacedDeployment(
      {
        name: 'rev',
        namespace: ns,
        body: [
          {
            op: 'replace',
            path: '/spec/template/spec/containers/0/image',
            value: NEXT_IMAGE,
          },
        ],
      },
      jsonPatch,
    );
    d = await waitFor(
      async () => {
        const x = await rolledOut('rev');
        return x.metadata!.annotations![REVISION] === '2' ? x : undefined;
      },
      { what: 'revision 2' },
    );
    const sets = await waitFor(
      async () => {
        const s = await replicaSetsOf('rev');
        const old = s.find(r => r.metadata!.name === first.metadata!.name);
        return s.length === 2 && old?.spec?.replicas === 0 ? s : undefined;
      },
      { what: 'old replica set scaled down' },
    );
    expect(
      sets.find(r => r.metadata!.name !== first.metadata!.name)!.metadata!
        .annotations![REVISION],
    ).toBe('2');

    // What `kubectl rollout undo` does: the previous ReplicaSet's template, without the
    // hash label, patched onto the deployment.
    const template = JSON.parse(JSON.stringify(first.spec!.template));
    delete template.metadata.labels['pod-template-hash'];
    await apps.patchNamespacedDeployment(
      {
        name: 'rev',
        namespace: ns,
        body: [{ op: 'replace', path: '/spec/template', value: template }],
      },
      jsonPatch,
    );
    d = await waitFor(
      async () => {
        const x = await rolledOut('rev');
        return x.metadata!.annotations![REVISION] === '3' ? x : undefined;
      },
      { what: 'revision 3' },
    );
    expect(d.spec!.template!.spec!.containers[0].image).toBe(IMAGE);
    const after = await waitFor(
      async () => {
        const s = await replicaSetsOf('rev');
        const back = s.find(r => r.metadata!.name === first.metadata!.name);
        return back?.spec?.replicas === 1 ? s : undefined;
      },
      { what: 'first replica set scaled back up' },
    );
    expect(after).toHaveLength(2);
    expect(
      after.find(r => r.metadata!.name === first.metadata!.name)!.metadata!
        .annotations![REVISION],
    ).toBe('3');
  });
});

describe('graceful pod termination', () => {
  it('marks a deleted pod with its grace period and keeps it while a finalizer holds it', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('held', { finalizers: ['example.com/hold'] }),
    });
    await waitFor(
      async () =>
        (
          await core.readNamespacedPod({ name: 'held', namespace: ns })
        ).spec?.nodeName,
      { what: 'pod scheduled' },
    );
    const deleted = await core.deleteNamespacedPod({
      name: 'held',
      namespace: ns,
    });
    expect(deleted.metadata?.deletionTimestamp).toBeDefined();
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(30);
    const live = await core.readNamespacedPod({ name: 'held', namespace: ns });
    expect(live.metadata?.deletionTimestamp).toBeDefined();
    await core.patchNamespacedPod(
      { name: 'held', namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    await waitFor(
      async () => {
        try {
          await core.readNamespacedPod({ name: 'held', namespace: ns });
          return false;
        } catch (e) {
          return statusCode(e) === 404;
        }
      },
      { what: 'held pod gone' },
    );
  });

  it('takes gracePeriodSeconds from the request; zero removes the pod at once', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('quick') });
    await waitFor(
      async () =>
        (
          await core.readNamespacedPod({ name: 'quick', namespace: ns })
        ).spec?.nodeName,
      { what: 'pod scheduled' },
    );
    await core.deleteNamespacedPod({
      name: 'quick',
      namespace: ns,
      gracePeriodSeconds: 0,
    });
    const err = await failure(() =>
      core.readNamespacedPod({ name: 'quick', namespace: ns }),
    );
    expect(err.code).toBe(404);
  });

  it('replaces a terminating pod of a deployment, and the terminating one goes', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('term'),
    });
    await rolledOut('term');
    const p = await runningPod('term');
    const deleted = await core.deleteNamespacedPod({
      name: p.metadata!.name!,
      namespace: ns,
    });
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(5);
    const replacement = await runningPod('term');
    expect(replacement.metadata!.name).not.toBe(p.metadata!.name);
    await waitFor(
      async () => {
        try {
          await core.readNamespacedPod({
            name: p.metadata!.name!,
            namespace: ns,
          });
          return false;
        } catch (e) {
          return statusCode(e) === 404;
        }
      },
      { what: 'terminated pod gone', timeoutMs: realCluster ? 90_000 : 5_000 },
    );
  });
});

describe('nodes', () => {
  it('lists a Ready node with capacity and versions, and pods run on it', async () => {
    const nodes = (await core.listNode()).items;
    const ready = nodes.find(n =>
      n.status?.conditions?.some(
        c => c.type === 'Ready' && c.status === 'True',
      ),
    );
    expect(ready).toBeDefined();
    expect(ready!.status!.capacity!.cpu).toBeTruthy();
    expect(ready!.status!.allocatable!.pods).toBeTruthy();
    expect(ready!.status!.nodeInfo!.kubeletVersion).toMatch(/^v1\./);
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('where'),
    });
    const p = await runningPod('where');
    expect(nodes.map(n => n.metadata!.name)).toContain(p.spec!.nodeName);
    expect(p.status!.hostIP).toBeTruthy();
    expect(p.status!.podIP).toBeTruthy();
  });
});

describe('authorization and identity', () => {
  it('answers SelfSubjectAccessReview and SelfSubjectRulesReview for the caller', async () => {
    const authz = t.kc.makeApiClient(AuthorizationV1Api);
    const review = await authz.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            namespace: ns,
            verb: 'create',
            group: 'apps',
            resource: 'deployments',
          },
        },
      },
    });
    expect(review.status?.allowed).toBe(true);
    expect(review.spec.resourceAttributes).toMatchObject({
      verb: 'create',
      resource: 'deployments',
    });
    const rules = await authz.createSelfSubjectRulesReview({
      body: { spec: { namespace: ns } },
    });
    expect(rules.status?.resourceRules.length).toBeGreaterThan(0);
    const err = await failure(() =>
      authz.createSelfSubjectAccessReview({ body: { spec: {} } }),
    );
    expect(err.code).toBe(422);
  });

  it('issues a service-account token the API accepts as that account', async () => {
    const sa = 'robot';
    await core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: sa } },
    });
    const issued = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns,
      body: { spec: { expirationSeconds: 3600 } },
    });
    const token = issued.status!.token;
    expect(token).toBeTruthy();
    expect(
      Date.parse(issued.status!.expirationTimestamp as unknown as string),
    ).toBeGreaterThan(Date.now());

    const cluster = t.kc.getCurrentCluster()!;
    const asRobot = new KubeConfig();
    asRobot.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'robot', token }],
      contexts: [{ name: 'robot', cluster: cluster.name, user: 'robot' }],
      currentContext: 'robot',
    });
    const me = await asRobot
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: {} });
    expect(me.status?.userInfo?.username).toBe(
      `system:serviceaccount:${ns}:${sa}`,
    );
    expect(me.status?.userInfo?.groups).toEqual(
      expect.arrayContaining([
        'system:serviceaccounts',
        `system:serviceaccounts:${ns}`,
      ]),
    );

    const admin = await t.kc
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: {} });
    expect(admin.status?.userInfo?.username).toBeTruthy();

    const reviewed = await t.kc
      .makeApiClient(AuthenticationV1Api)
      .createTokenReview({ body: { spec: { token } } });
    expect(reviewed.status).toMatchObject({
      authenticated: true,
      user: { username: `system:serviceaccount:${ns}:${sa}` },
    });

    const short = await failure(() =>
      core.createNamespacedServiceAccountToken({
        name: sa,
        namespace: ns,
        body: { spec: { expirationSeconds: 60 } },
      }),
    );
    expect(short.code).toBe(422);
    expect(statusBody(short).message).toContain('spec.expirationSeconds');

    // A token of a deleted account is no longer accepted.
    await core.deleteNamespacedServiceAccount({ name: sa, namespace: ns });
    await waitFor(
      async () => {
        try {
          await asRobot
            .makeApiClient(AuthenticationV1Api)
            .createSelfSubjectReview({ body: {} });
          return false;
        } catch (e) {
          return statusCode(e) === 401;
        }
      },
      { what: 'token refused' },
    );
  });
});

describe('pod logs', () => {
  it('serves a container log as text, with the API server refusals', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('logs'),
    });
    const p = await runningPod('logs');
    const name = p.metadata!.name!;
    const text = await core.readNamespacedPodLog({ name, namespace: ns });
    expect(typeof text).toBe('string');
    const previous = await failure(() =>
      core.readNamespacedPodLog({ name, namespace: ns, previous: true }),
    );
    expect(previous.code).toBe(400);
    const wrong = await failure(() =>
      core.readNamespacedPodLog({ name, namespace: ns, container: 'nope' }),
    );
    expect(wrong.code).toBe(400);
    expect(String(wrong.body)).toContain('nope');
  });

  sandboxOnly(
    'prints what the simulated container printed, with tail and timestamps',
    async () => {
      const p = await runningPod('logs');
      const name = p.metadata!.name!;
      const text = await core.readNamespacedPodLog({ name, namespace: ns });
      expect(text).toBe(`Starting app from image ${IMAGE}\napp is ready\n`);
      const tail = await core.readNamespacedPodLog({
        name,
        namespace: ns,
        tailLines: 1,
        timestamps: true,
      });
      expect(tail).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z app is ready\n$/,
      );
    },
  );
});

describe('discovery', () => {
  it('lists the subresources and APIs kubectl looks for', async () => {
    const v1 = await core.getAPIResources();
    const find = (list: V1APIResourceList, name: string) =>
      list.resources.find(r => r.name === name);
    expect(find(v1, 'pods/log')?.verbs).toEqual(['get']);
    expect(find(v1, 'serviceaccounts/token')).toMatchObject({
      verbs: ['create'],
      kind: 'TokenRequest',
    });
    expect(find(v1, 'nodes')?.verbs).toEqual(
      expect.arrayContaining(['get', 'list']),
    );
    const authz = await t.kc
      .makeApiClient(AuthorizationV1Api)
      .getAPIResources();
    expect(find(authz, 'selfsubjectaccessreviews')?.verbs).toEqual(['create']);
    expect(find(authz, 'selfsubjectrulesreviews')?.verbs).toEqual(['create']);
    const authn = await t.kc
      .makeApiClient(AuthenticationV1Api)
      .getAPIResources();
    expect(find(authn, 'selfsubjectreviews')?.verbs).toEqual(['create']);
    expect(find(authn, 'tokenreviews')?.verbs).toEqual(['create']);
    const events = await t.kc.makeApiClient(EventsV1Api).getAPIResources();
    expect(find(events, 'events')?.verbs).toEqual(
      expect.arrayContaining(['get', 'list']),
    );
  });
});
