import { FaultInjector } from '../common/faults';
import { RequestLog } from '../common/requestLog';
import { PATCH_TYPES } from './cluster';
import { KubernetesSimulator } from './simulator';
import type { ControllerPace, KubeObject } from './types';

function sim(pace: ControllerPace = 'instant') {
  return new KubernetesSimulator({
    name: 't',
    token: 't',
    log: new RequestLog(),
    faults: new FaultInjector(),
    pace,
  });
}

const ns = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(labels ? { labels } : {}) },
});

const deployment = (
  name: string,
  namespace: string,
  replicas = 2,
  image = 'nginx:1',
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name, team: 'ml' } },
      spec: { containers: [{ name: 'c', image }] },
    },
  },
});

const helmRelease = (
  name: string,
  namespace: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    values?: object;
  } = {},
): KubeObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: {
    name,
    namespace,
    ...(extra.labels ? { labels: extra.labels } : {}),
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  },
  spec: {
    interval: '10m',
    chart: {
      spec: {
        chart: 'mlflow',
        version: '1.2.3',
        sourceRef: { kind: 'HelmRepository', name: 'community-charts' },
      },
    },
    values: extra.values ?? {
      ingress: { enabled: true, hosts: [{ host: 'mlflow.example.test' }] },
    },
  },
});

const condition = (obj: KubeObject | undefined, type: string) =>
  ((obj?.status as any)?.conditions ?? []).find((c: any) => c.type === type);

describe('controllers', () => {
  it('turn a Deployment into a ReplicaSet and ready pods, then report availability', () => {
    const s = sim();
    s.apply(ns('apps'));
    s.apply(deployment('web', 'apps'));
    const pods = s.list('v1', 'Pod', {
      namespace: 'apps',
      labelSelector: 'app=web',
    });
    expect(pods).toHaveLength(2);
    expect(pods[0].metadata.labels).toMatchObject({
      app: 'web',
      team: 'ml',
      'pod-template-hash': expect.any(String),
    });
    expect(pods[0].metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ReplicaSet',
      controller: true,
    });
    expect(pods[0].status).toMatchObject({ phase: 'Running' });
    expect(condition(pods[0], 'Ready')).toMatchObject({ status: 'True' });
    const d = s.get('apps/v1', 'Deployment', 'web', 'apps')!;
    expect(d.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
      observedGeneration: 1,
    });
    expect(condition(d, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });

    // A new template rolls out a new ReplicaSet; the old one scales to zero.
    s.apply(deployment('web', 'apps', 1, 'nginx:2'));
    const after = s.list('v1', 'Pod', {
      namespace: 'apps',
      labelSelector: 'app=web',
    });
    expect(after.map(p => (p.spec as any).containers[0].image)).toEqual([
      'nginx:2',
    ]);
    expect(
      s
        .list('apps/v1', 'ReplicaSet', { namespace: 'apps' })
        .map(r => (r.spec as any).replicas)
        .sort(),
    ).toEqual([0, 1]);
    expect(s.get('apps/v1', 'Deployment', 'web', 'apps')!.status).toMatchObject(
      { observedGeneration: 2, availableReplicas: 1 },
    );
  });

  it('turn a StatefulSet into ordinal pods', () => {
    const s = sim();
    s.apply(ns('db'));
    const sts: KubeObject = {
      ...deployment('pg', 'db', 2),
      kind: 'StatefulSet',
    };
    (sts.spec as any).serviceName = 'pg';
    s.apply(sts);
    expect(
      s.list('v1', 'Pod', { namespace: 'db' }).map(p => p.metadata.name),
    ).toEqual(['pg-0', 'pg-1']);
    expect(s.get('apps/v1', 'StatefulSet', 'pg', 'db')!.status).toMatchObject({
      readyReplicas: 2,
      replicas: 2,
    });
  });

  it('install what a HelmRelease describes, copy ml-platform labels and report Ready', () => {
    const s = sim();
    s.apply(ns('team-a'));
    s.apply(
      helmRelease('tracking', 'team-a', {
        labels: { 'ml-platform.io/instance': 'i1', other: 'x' },
      }),
    );
    const selector =
      'app.kubernetes.io/instance=tracking,app.kubernetes.io/name=mlflow,app.kubernetes.io/managed-by=Helm';
    const [dep] = s.list('apps/v1', 'Deployment', {
      namespace: 'team-a',
      labelSelector: selector,
    });
    const [svc] = s.list('v1', 'Service', {
      namespace: 'team-a',
      labelSelector: selector,
    });
    const [ing] = s.list('networking.k8s.io/v1', 'Ingress', {
      namespace: 'team-a',
      labelSelector: selector,
    });
    expect(dep.metadata.name).toBe('tracking-mlflow');
    expect(dep.metadata.labels).toMatchObject({
      'ml-platform.io/instance': 'i1',
    });
    expect(dep.metadata.labels?.other).toBeUndefined();
    expect(svc).toBeDefined();
    expect((ing.spec as any).rules[0].host).toBe('mlflow.example.test');
    const hr = s.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'tracking',
      'team-a',
    );
    expect(condition(hr, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'ReconciliationSucceeded',
    });
    expect(hr!.metadata.finalizers).toContain('finalizers.fluxcd.io');

    // Deleting the release uninstalls it.
    s.cluster.delete(s.cluster.typeOf(hr!), 'team-a', 'tracking', {});
    s.settle();
    expect(
      s.get('helm.toolkit.fluxcd.io/v2', 'HelmRelease', 'tracking', 'team-a'),
    ).toBeUndefined();
    expect(s.list('apps/v1', 'Deployment', { namespace: 'team-a' })).toEqual(
      [],
    );
    expect(
      s.list('networking.k8s.io/v1', 'Ingress', { namespace: 'team-a' }),
    ).toEqual([]);
  });

  it('derive the ingress host from other value layouts, or a sandbox default', () => {
    const s = sim();
    s.apply(ns('n'));
    s.apply(
      helmRelease('a', 'n', { values: { ingress: { hostname: 'a.test' } } }),
    );
    s.apply(helmRelease('b', 'n', { values: {} }));
    const hosts = s
      .list('networking.k8s.io/v1', 'Ingress', { namespace: 'n' })
      .map(i => (i.spec as any).rules[0].host);
    expect(hosts.sort()).toEqual(['a.test', 'b.n.sandbox.local']);
  });

  it('mark a release failed on request, and for a missing namespace', () => {
    const s = sim();
    s.apply(ns('n'));
    s.apply(
      helmRelease('bad', 'n', {
        annotations: { 'sandbox.ml-platform.io/fail': 'chart not found' },
      }),
    );
    const hr = s.get('helm.toolkit.fluxcd.io/v2', 'HelmRelease', 'bad', 'n');
    expect(condition(hr, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InstallFailed',
      message: expect.stringContaining('chart not found'),
    });
    expect(s.list('apps/v1', 'Deployment', { namespace: 'n' })).toEqual([]);

    const elsewhere = helmRelease('x', 'n');
    (elsewhere.spec as any).targetNamespace = 'nowhere';
    s.apply(elsewhere);
    expect(
      condition(
        s.get('helm.toolkit.fluxcd.io/v2', 'HelmRelease', 'x', 'n'),
        'Ready',
      ),
    ).toMatchObject({
      status: 'False',
      message: expect.stringContaining('namespaces "nowhere" not found'),
    });
  });

  it('sync an Argo CD Application to Healthy/Synced, or Degraded when marked to fail', () => {
    const s = sim();
    s.apply(ns('argocd'));
    const app = (
      name: string,
      annotations?: Record<string, string>,
    ): KubeObject => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name,
        namespace: 'argocd',
        ...(annotations ? { annotations } : {}),
      },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://charts.example.test',
          chart: 'airflow',
          targetRevision: '1.0.0',
          helm: { releaseName: name, values: 'ingress:\n  host: af.test\n' },
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: `${name}-ns`,
        },
        syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
      },
    });
    s.apply(app('af'));
    const live = s.get('argoproj.io/v1alpha1', 'Application', 'af', 'argocd')!;
    expect(live.status).toMatchObject({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
    });
    expect(
      (
        s.list('networking.k8s.io/v1', 'Ingress', { namespace: 'af-ns' })[0]
          .spec as any
      ).rules[0].host,
    ).toBe('af.test');
    s.apply(app('broken', { 'sandbox.ml-platform.io/fail': 'boom' }));
    expect(
      s.get('argoproj.io/v1alpha1', 'Application', 'broken', 'argocd')!.status,
    ).toMatchObject({ health: { status: 'Degraded' } });
    s.cluster.delete(s.cluster.typeOf(live), 'argocd', 'af', {});
    s.settle();
    expect(s.list('apps/v1', 'Deployment', { namespace: 'af-ns' })).toEqual([]);
  });

  it('turn a Kubeflow Profile into its namespace, bindings and policy', () => {
    const s = sim();
    s.apply({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'alice' },
      spec: { owner: { kind: 'User', name: 'alice@example.test' } },
    });
    const n = s.get('v1', 'Namespace', 'alice')!;
    expect(n.metadata.labels).toMatchObject({
      'app.kubernetes.io/part-of': 'kubeflow-profile',
      'istio-injection': 'enabled',
    });
    expect(n.metadata.annotations).toMatchObject({
      owner: 'alice@example.test',
    });
    const rb = s.get(
      'rbac.authorization.k8s.io/v1',
      'RoleBinding',
      'namespaceAdmin',
      'alice',
    )!;
    expect(rb).toMatchObject({
      metadata: { annotations: { role: 'admin', user: 'alice@example.test' } },
      roleRef: { kind: 'ClusterRole', name: 'kubeflow-admin' },
      subjects: [{ kind: 'User', name: 'alice@example.test' }],
    });
    expect(
      s.get(
        'security.istio.io/v1',
        'AuthorizationPolicy',
        'ns-owner-access-istio',
        'alice',
      ),
    ).toBeDefined();
    expect(
      s.get('v1', 'ServiceAccount', 'default-editor', 'alice'),
    ).toBeDefined();
    expect(
      s.get('v1', 'ServiceAccount', 'default-viewer', 'alice'),
    ).toBeDefined();
    // Kubeflow's controller reports failures only: a profile that worked has no condition.
    expect(
      (s.get('kubeflow.org/v1', 'Profile', 'alice')!.status as any)?.conditions,
    ).toBeUndefined();

    // Deleting the profile garbage-collects its namespace (owner reference).
    const profile = s.get('kubeflow.org/v1', 'Profile', 'alice')!;
    s.cluster.delete(s.cluster.typeOf(profile), undefined, 'alice', {});
    s.settle();
    expect(s.get('v1', 'Namespace', 'alice')).toBeUndefined();
  });

  it('refuse a namespace owned by someone else with a Failed condition, and annotate default-editor for the IAM plugin', () => {
    const s = sim();
    s.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'taken',
        annotations: { owner: 'mallory@example.test' },
      },
    });
    s.apply({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'taken' },
      spec: { owner: { kind: 'User', name: 'bob@example.test' } },
    });
    expect(
      (s.get('kubeflow.org/v1', 'Profile', 'taken')!.status as any).conditions,
    ).toEqual([
      {
        type: 'Failed',
        message:
          'namespace already exist, but not owned by profile creator bob@example.test',
      },
    ]);
    expect(
      s.get('v1', 'ServiceAccount', 'default-editor', 'taken'),
    ).toBeUndefined();

    s.apply({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'cloud' },
      spec: {
        owner: { kind: 'User', name: 'bob@example.test' },
        plugins: [
          {
            kind: 'AwsIamForServiceAccount',
            spec: { awsIamRole: 'arn:aws:iam::123456789012:role/cloud' },
          },
        ],
      },
    });
    expect(
      s.get('v1', 'ServiceAccount', 'default-editor', 'cloud')!.metadata
        .annotations,
    ).toMatchObject({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/cloud',
    });
  });

  it('terminate a namespace: contents go, finalizers hold it, then it disappears', () => {
    const s = sim();
    s.apply(ns('doomed'));
    s.apply(deployment('web', 'doomed', 1));
    s.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'held',
        namespace: 'doomed',
        finalizers: ['example.com/hold'],
      },
    });
    const nsType = s.cluster.typeOf({ apiVersion: 'v1', kind: 'Namespace' });
    s.cluster.delete(nsType, undefined, 'doomed', {});
    s.settle();
    const terminating = s.get('v1', 'Namespace', 'doomed')!;
    expect(terminating.status).toMatchObject({ phase: 'Terminating' });
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(s.list('apps/v1', 'Deployment', { namespace: 'doomed' })).toEqual(
      [],
    );
    expect(s.list('v1', 'Pod', { namespace: 'doomed' })).toEqual([]);
    const cmType = s.cluster.typeOf({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(() =>
      s.cluster.create(
        cmType,
        'v1',
        'doomed',
        { metadata: { name: 'new' } },
        'application/json',
        {},
      ),
    ).toThrow(/being terminated/);
    s.cluster.patch(
      cmType,
      'v1',
      'doomed',
      'held',
      JSON.stringify({ metadata: { finalizers: [] } }),
      PATCH_TYPES.merge,
      {},
    );
    s.settle();
    expect(s.get('v1', 'Namespace', 'doomed')).toBeUndefined();
  });

  it('collect garbage when an owner disappears', () => {
    const s = sim();
    s.apply(ns('gc'));
    s.apply(deployment('web', 'gc', 1));
    const d = s.get('apps/v1', 'Deployment', 'web', 'gc')!;
    s.cluster.delete(s.cluster.typeOf(d), 'gc', 'web', {});
    s.settle();
    expect(s.list('apps/v1', 'ReplicaSet', { namespace: 'gc' })).toEqual([]);
    expect(s.list('v1', 'Pod', { namespace: 'gc' })).toEqual([]);
  });

  it('are idempotent: re-applying the same objects writes nothing', () => {
    const s = sim();
    s.apply(ns('idem'));
    s.apply(helmRelease('r', 'idem'));
    const before = s.cluster.store.resourceVersion();
    s.apply(ns('idem'));
    s.apply(helmRelease('r', 'idem'));
    expect(s.cluster.store.resourceVersion()).toBe(before);
  });

  it('work at a pace when one is set', async () => {
    const s = sim(20);
    try {
      s.apply(ns('slow'));
      s.apply(deployment('web', 'slow', 1));
      expect(s.list('v1', 'Pod', { namespace: 'slow' })).toEqual([]);
      for (
        let i = 0;
        i < 100 &&
        !(s.get('apps/v1', 'Deployment', 'web', 'slow')?.status as any)
          ?.availableReplicas;
        i++
      ) {
        await new Promise(r => setTimeout(r, 20));
      }
      expect(
        s.get('apps/v1', 'Deployment', 'web', 'slow')!.status,
      ).toMatchObject({ availableReplicas: 1 });
    } finally {
      s.stop();
    }
  });
});
