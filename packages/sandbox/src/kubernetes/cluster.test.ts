import { Cluster, PATCH_TYPES } from './cluster';
import { ApiError } from './errors';
import type { ResourceType } from './resources';
import type { KubeObject } from './types';

function setup() {
  const c = new Cluster();
  c.bootstrap();
  const t = (apiVersion: string, kind: string): ResourceType =>
    c.typeOf({ apiVersion, kind });
  return {
    c,
    ns: t('v1', 'Namespace'),
    cm: t('v1', 'ConfigMap'),
    pod: t('v1', 'Pod'),
    deploy: t('apps/v1', 'Deployment'),
    hr: t('helm.toolkit.fluxcd.io/v2', 'HelmRelease'),
  };
}

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const deployment = (
  name: string,
  replicas = 1,
  extra: Partial<KubeObject> = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    },
  },
  ...extra,
});

const cmBody = (
  name: string,
  data: Record<string, string> = { a: '1' },
  labels?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('Cluster', () => {
  it('creates with server-set metadata and a growing resourceVersion; 409 on duplicates', () => {
    const { c, cm } = setup();
    const a = c.create(
      cm,
      'v1',
      'default',
      cmBody('a'),
      'application/json',
      {},
    );
    const b = c.create(
      cm,
      'v1',
      'default',
      cmBody('b'),
      'application/json',
      {},
    );
    expect(a.code).toBe(201);
    expect(a.object.metadata).toMatchObject({
      name: 'a',
      namespace: 'default',
      uid: expect.any(String),
      creationTimestamp: expect.stringMatching(/Z$/),
    });
    expect(Number(b.object.metadata.resourceVersion)).toBeGreaterThan(
      Number(a.object.metadata.resourceVersion),
    );
    const dup = failure(() =>
      c.create(cm, 'v1', 'default', cmBody('a'), 'application/json', {}),
    );
    expect(dup.toStatus()).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      details: { name: 'a', kind: 'configmaps' },
    });
  });

  it('answers 404 NotFound with details, and 404 for a missing namespace', () => {
    const { c, cm, deploy } = setup();
    expect(
      failure(() => c.get(deploy, 'default', 'nope')).toStatus(),
    ).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      code: 404,
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
    });
    const e = failure(() =>
      c.create(cm, 'v1', 'missing', cmBody('a'), 'application/json', {}),
    );
    expect(e.toStatus()).toMatchObject({
      code: 404,
      details: { name: 'missing', kind: 'namespaces' },
    });
  });

  it('validates names per kind with 422 Invalid naming the field', () => {
    const { c, ns, cm } = setup();
    const bad = failure(() =>
      c.create(
        ns,
        'v1',
        undefined,
        { metadata: { name: 'Bad_Name' } },
        'application/json',
        {},
      ),
    );
    expect(bad.toStatus()).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: {
        kind: 'Namespace',
        name: 'Bad_Name',
        causes: [expect.objectContaining({ field: 'metadata.name' })],
      },
    });
    expect(
      failure(() =>
        c.create(
          ns,
          'v1',
          undefined,
          { metadata: { name: 'a.b' } },
          'application/json',
          {},
        ),
      ).code,
    ).toBe(422);
    expect(
      c.create(cm, 'v1', 'default', cmBody('a.b'), 'application/json', {}).code,
    ).toBe(201);
    const labels = failure(() =>
      c.create(
        cm,
        'v1',
        'default',
        cmBody('c', {}, { 'bad key': 'x' }),
        'application/json',
        {},
      ),
    );
    expect(labels.details?.causes?.[0].field).toBe('metadata.labels');
    expect(
      failure(() =>
        c.create(cm, 'v1', 'default', '{not json', 'application/json', {}),
      ).code,
    ).toBe(400);
  });

  it('rejects stale updates with 409 Conflict and keeps resourceVersion on no-op writes', () => {
    const { c, cm } = setup();
    const created = c.create(
      cm,
      'v1',
      'default',
      cmBody('a'),
      'application/json',
      {},
    ).object;
    const updated = c.update(
      cm,
      'v1',
      'default',
      'a',
      { ...created, data: { a: '2' } },
      'application/json',
      {},
    );
    expect(updated.changed).toBe(true);
    const stale = failure(() =>
      c.update(
        cm,
        'v1',
        'default',
        'a',
        { ...created, data: { a: '3' } },
        'application/json',
        {},
      ),
    );
    expect(stale.toStatus()).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.message).toContain('the object has been modified');

    const rv = updated.object.metadata.resourceVersion;
    const same = c.update(
      cm,
      'v1',
      'default',
      'a',
      updated.object,
      'application/json',
      {},
    );
    expect(same.changed).toBe(false);
    const merge = c.patch(
      cm,
      'v1',
      'default',
      'a',
      JSON.stringify({ data: { a: '2' } }),
      PATCH_TYPES.merge,
      {},
    );
    expect(merge.object.metadata.resourceVersion).toBe(rv);
    const applied = c.apply(cm, 'v1', 'default', 'a', cmBody('a', { a: '9' }), {
      fieldManager: 'tool',
      force: true,
    });
    const again = c.apply(cm, 'v1', 'default', 'a', cmBody('a', { a: '9' }), {
      fieldManager: 'tool',
    });
    expect(again.changed).toBe(false);
    expect(again.object.metadata.resourceVersion).toBe(
      applied.object.metadata.resourceVersion,
    );
  });

  it('bumps generation on spec changes only, and keeps status to its subresource', () => {
    const { c, deploy } = setup();
    const created = c.apply(deploy, 'v1', 'default', 'web', deployment('web'), {
      fieldManager: 'tool',
    });
    expect(created.code).toBe(201);
    expect(created.object.metadata.generation).toBe(1);
    const labelled = c.patch(
      deploy,
      'v1',
      'default',
      'web',
      JSON.stringify({ metadata: { labels: { x: 'y' } } }),
      PATCH_TYPES.merge,
      {},
    );
    expect(labelled.object.metadata.generation).toBe(1);
    const ignored = c.patch(
      deploy,
      'v1',
      'default',
      'web',
      JSON.stringify({ status: { replicas: 7 } }),
      PATCH_TYPES.merge,
      {},
    );
    expect(ignored.changed).toBe(false);
    const status = c.patch(
      deploy,
      'v1',
      'default',
      'web',
      JSON.stringify({ status: { replicas: 7 }, spec: { replicas: 9 } }),
      PATCH_TYPES.merge,
      {},
      'status',
    );
    expect(status.object.status).toEqual({ replicas: 7 });
    expect((status.object.spec as any).replicas).toBe(1);
    expect(status.object.metadata.generation).toBe(1);
    const scaled = c.patch(
      deploy,
      'v1',
      'default',
      'web',
      JSON.stringify({ spec: { replicas: 2 } }),
      PATCH_TYPES.strategic,
      {},
    );
    expect(scaled.object.metadata.generation).toBe(2);
  });

  it('honours dryRun without storing anything', () => {
    const { c, cm } = setup();
    const before = c.store.resourceVersion();
    const r = c.create(cm, 'v1', 'default', cmBody('dry'), 'application/json', {
      dryRun: true,
    });
    expect(r.code).toBe(201);
    expect(r.object.metadata.uid).toBeDefined();
    expect(c.store.get('/configmaps', 'default', 'dry')).toBeUndefined();
    expect(c.store.resourceVersion()).toBe(before);
  });

  it('pages lists with an opaque continue token and reports remaining items', () => {
    const { c, cm } = setup();
    for (let i = 0; i < 7; i++)
      c.create(
        cm,
        'v1',
        'default',
        cmBody(`cm-${i}`, {}, { i: String(i % 2) }),
        'application/json',
        {},
      );
    const first = c.list(cm, 'default', { limit: 3 });
    expect(first.items.map(o => o.metadata.name)).toEqual([
      'cm-0',
      'cm-1',
      'cm-2',
    ]);
    expect(first.remainingItemCount).toBe(4);
    const second = c.list(cm, 'default', {
      limit: 3,
      continue: first.continue,
    });
    expect(second.items.map(o => o.metadata.name)).toEqual([
      'cm-3',
      'cm-4',
      'cm-5',
    ]);
    const third = c.list(cm, 'default', {
      limit: 3,
      continue: second.continue,
    });
    expect(third.items.map(o => o.metadata.name)).toEqual(['cm-6']);
    expect(third.continue).toBeUndefined();
    expect(c.list(cm, 'default', { labelSelector: 'i=1' }).items).toHaveLength(
      3,
    );
    expect(
      c.list(cm, undefined, { fieldSelector: 'metadata.name=cm-4' }).items,
    ).toHaveLength(1);
    expect(
      failure(() => c.list(cm, 'default', { continue: 'garbage' })).code,
    ).toBe(400);
  });

  it('deletes with a Status or the object, and waits for finalizers', () => {
    const { c, cm } = setup();
    c.create(cm, 'v1', 'default', cmBody('plain'), 'application/json', {});
    const status = c.delete(cm, 'default', 'plain', {});
    expect(status.object).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'plain', kind: 'configmaps' },
    });
    const held = {
      ...cmBody('held'),
      metadata: { name: 'held', finalizers: ['example.com/hold'] },
    };
    c.create(cm, 'v1', 'default', held, 'application/json', {});
    const marked = c.delete(cm, 'default', 'held', {});
    expect(
      (marked.object as KubeObject).metadata.deletionTimestamp,
    ).toBeDefined();
    expect(c.store.get('/configmaps', 'default', 'held')).toBeDefined();
    c.patch(
      cm,
      'v1',
      'default',
      'held',
      JSON.stringify({ metadata: { finalizers: null } }),
      PATCH_TYPES.merge,
      {},
    );
    expect(c.store.get('/configmaps', 'default', 'held')).toBeUndefined();
  });

  it('limits patch types per kind and checks apply options', () => {
    const { c, hr, cm } = setup();
    const release = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'r', namespace: 'default' },
      spec: { interval: '5m' },
    };
    c.apply(hr, 'v2', 'default', 'r', release, { fieldManager: 't' });
    expect(
      failure(() =>
        c.patch(hr, 'v2', 'default', 'r', '{}', PATCH_TYPES.strategic, {}),
      ).code,
    ).toBe(415);
    expect(
      failure(() => c.patch(hr, 'v2', 'default', 'r', '{}', 'text/plain', {}))
        .code,
    ).toBe(415);
    expect(
      failure(() => c.apply(cm, 'v1', 'default', 'x', cmBody('x'), {})).code,
    ).toBe(422);
    expect(
      failure(() =>
        c.patch(cm, 'v1', 'default', 'x', '{}', PATCH_TYPES.merge, {
          force: true,
        }),
      ).code,
    ).toBe(422);
    // Custom resources need a resourceVersion on PUT.
    const live = c.get(hr, 'default', 'r');
    const { resourceVersion: _rv, ...meta } = live.metadata;
    expect(
      failure(() =>
        c.update(
          hr,
          'v2',
          'default',
          'r',
          { ...live, metadata: meta },
          'application/json',
          {},
        ),
      ).code,
    ).toBe(422);
  });

  it('accepts YAML apply bodies and reports conflicts between managers', () => {
    const { c, deploy } = setup();
    c.apply(deploy, 'v1', 'default', 'web', deployment('web', 1), {
      fieldManager: 'a',
    });
    const yaml =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 4\n';
    const e = failure(() =>
      c.apply(deploy, 'v1', 'default', 'web', yaml, { fieldManager: 'b' }),
    );
    expect(e.toStatus()).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Apply failed with 1 conflict: conflict with "a" using apps/v1: .spec.replicas',
      details: {
        causes: [{ reason: 'FieldManagerConflict', field: '.spec.replicas' }],
      },
    });
    const forced = c.apply(deploy, 'v1', 'default', 'web', yaml, {
      fieldManager: 'b',
      force: true,
    });
    expect((forced.object.spec as any).replicas).toBe(4);
  });

  it('folds secret stringData into data', () => {
    const { c } = setup();
    const secret = c.typeOf({ apiVersion: 'v1', kind: 'Secret' });
    const r = c.create(
      secret,
      'v1',
      'default',
      { metadata: { name: 's' }, stringData: { password: 'pw' } },
      'application/json',
      {},
    );
    expect(r.object).toMatchObject({
      type: 'Opaque',
      data: { password: Buffer.from('pw').toString('base64') },
    });
    expect(r.object.stringData).toBeUndefined();
  });

  it('registers kinds from CustomResourceDefinitions and drops them on deletion', () => {
    const { c } = setup();
    const crd = c.typeOf({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
    });
    const def = {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {},
            subresources: { status: {} },
          },
        ],
      },
    };
    const created = c.create(crd, 'v1', undefined, def, 'application/json', {});
    expect(c.get(crd, undefined, 'widgets.example.com').status).toMatchObject({
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Established', status: 'True' }),
      ]),
    });
    const widget = c.typeOf({ apiVersion: 'example.com/v1', kind: 'Widget' });
    expect(widget).toMatchObject({
      namespaced: true,
      status: true,
      builtin: false,
    });
    c.apply(
      widget,
      'v1',
      'default',
      'w',
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { size: 1 },
      },
      { fieldManager: 't' },
    );
    expect(c.list(widget, 'default', {}).items).toHaveLength(1);
    c.delete(crd, undefined, created.object.metadata.name!, {});
    expect(c.registry.byKind('example.com/v1', 'Widget')).toBeUndefined();
    const badName = failure(() =>
      c.create(
        crd,
        'v1',
        undefined,
        { ...def, metadata: { name: 'wrong.example.com' } },
        'application/json',
        {},
      ),
    );
    expect(badName.code).toBe(422);
  });

  it('round-trips through a snapshot', () => {
    const { c, cm } = setup();
    c.create(cm, 'v1', 'default', cmBody('kept'), 'application/json', {});
    const snap = JSON.parse(JSON.stringify(c.snapshot()));
    const copy = new Cluster();
    copy.restore(snap);
    expect(copy.get(cm, 'default', 'kept').data).toEqual({ a: '1' });
    expect(copy.store.resourceVersion()).toBe(c.store.resourceVersion());
    expect(copy.registry.byKind('kubeflow.org/v1', 'Profile')).toBeDefined();
  });
});
