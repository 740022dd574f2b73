import { fieldSet, fromFieldsV1, toFieldsV1 } from './fields';
import { serverSideApply, trackUpdate } from './managed';
import type { KubeObject } from './types';

const ctx = (manager: string, force = false) => ({
  manager,
  apiVersion: 'apps/v1',
  builtin: true,
  scope: 'main' as const,
  now: '2024-01-01T00:00:00Z',
  force,
});

const config = (replicas: number, image = 'nginx:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }],
      },
    },
  },
});

describe('field sets', () => {
  it('use the fieldsV1 notation with list-map keys (protocol defaulted)', () => {
    const tree = toFieldsV1(fieldSet(config(1), true, 'main'));
    expect(tree).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': { 'f:matchLabels': { 'f:app': {} } },
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":80,"protocol":"TCP"}': {
                    '.': {},
                    'f:containerPort': {},
                  },
                },
              },
            },
          },
        },
      },
    });
    expect(fromFieldsV1(tree)).toEqual(fieldSet(config(1), true, 'main'));
  });
});

describe('server-side apply', () => {
  it('creates with an Apply entry owning exactly the applied fields', () => {
    const { object, conflicts } = serverSideApply(
      undefined,
      config(1),
      ctx('tool'),
    );
    expect(conflicts).toEqual([]);
    expect(object.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'tool',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
      }),
    ]);
  });

  it('reports a conflict when another manager owns a field with a different value', () => {
    const first = serverSideApply(undefined, config(1), ctx('tool')).object;
    const second = serverSideApply(first, config(3), ctx('other'));
    expect(second.conflicts.map(c => c.manager)).toEqual(['tool']);
    // Same value: shared ownership, no conflict.
    const shared = serverSideApply(first, config(1), ctx('other'));
    expect(shared.conflicts).toEqual([]);
    expect(shared.object.metadata.managedFields!.map(e => e.manager)).toEqual([
      'tool',
      'other',
    ]);
  });

  it('takes the field over with force', () => {
    const first = serverSideApply(undefined, config(1), ctx('tool')).object;
    const forced = serverSideApply(first, config(3), ctx('other', true));
    expect(forced.conflicts).toEqual([]);
    expect((forced.object.spec as any).replicas).toBe(3);
    const tool = forced.object.metadata.managedFields!.find(
      e => e.manager === 'tool',
    )!;
    expect(JSON.stringify(tool.fieldsV1)).not.toContain('f:replicas');
  });

  it('removes fields the applier stops applying, unless someone else owns them', () => {
    const withLabel = config(1);
    withLabel.metadata.labels = { app: 'web', extra: 'x' };
    const first = serverSideApply(undefined, withLabel, ctx('tool')).object;
    const dropped = serverSideApply(first, config(1), ctx('tool')).object;
    expect(dropped.metadata.labels).toEqual({ app: 'web' });

    const shared = serverSideApply(first, withLabel, ctx('other')).object;
    const kept = serverSideApply(shared, config(1), ctx('tool')).object;
    expect(kept.metadata.labels).toEqual({ app: 'web', extra: 'x' });
  });

  it('merges list items by key and keeps items others added', () => {
    const first = serverSideApply(undefined, config(1), ctx('tool')).object;
    const sidecar: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        template: {
          spec: { containers: [{ name: 'sidecar', image: 'envoy' }] },
        },
      },
    };
    const both = serverSideApply(first, sidecar, ctx('mesh')).object;
    const names = (both.spec as any).template.spec.containers.map(
      (c: any) => c.name,
    );
    expect(names).toEqual(['web', 'sidecar']);
    const again = serverSideApply(
      both,
      config(1, 'nginx:2'),
      ctx('tool'),
    ).object;
    expect(
      (again.spec as any).template.spec.containers.map((c: any) => c.image),
    ).toEqual(['nginx:2', 'envoy']);
  });
});

describe('update tracking', () => {
  it('moves changed fields to the updater', () => {
    const first = serverSideApply(undefined, config(1), ctx('tool')).object;
    const next = JSON.parse(JSON.stringify(first));
    next.spec.replicas = 5;
    const managed = trackUpdate(first, next, {
      ...ctx('kubectl-edit'),
      scope: 'main',
    })!;
    const edit = managed.find(e => e.manager === 'kubectl-edit')!;
    expect(edit.operation).toBe('Update');
    expect(edit.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(
      JSON.stringify(managed.find(e => e.manager === 'tool')!.fieldsV1),
    ).not.toContain('f:replicas');
  });

  it('leaves managed fields alone when nothing changed', () => {
    const first = serverSideApply(undefined, config(1), ctx('tool')).object;
    expect(
      trackUpdate(first, JSON.parse(JSON.stringify(first)), {
        ...ctx('x'),
        scope: 'main',
      }),
    ).toBe(first.metadata.managedFields);
  });
});
