import { ApiError } from './errors';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from './patch';

const deployment = () => ({
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'envoy:1' },
        ],
        tolerations: [{ key: 'a' }],
      },
    },
  },
});

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ApiError ? e.code : -1;
  }
  return undefined;
}

describe('merge patch (RFC 7386)', () => {
  it('merges maps, removes with null and replaces lists', () => {
    const out = applyMergePatch(deployment(), {
      metadata: { labels: { tier: null, new: 'x' } },
      spec: { template: { spec: { tolerations: [{ key: 'b' }] } } },
    }) as any;
    expect(out.metadata.labels).toEqual({ app: 'web', new: 'x' });
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'b' }]);
    expect(out.spec.template.spec.containers).toHaveLength(2);
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name and env by name', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'nginx:2',
                  env: [
                    { name: 'B', value: '3' },
                    { name: 'C', value: '4' },
                  ],
                },
              ],
            },
          },
        },
      },
      true,
    ) as any;
    const [web, sidecar] = out.spec.template.spec.containers;
    expect(web.image).toBe('nginx:2');
    expect(web.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    expect(web.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(sidecar).toEqual({ name: 'sidecar', image: 'envoy:1' });
  });

  it('merges ports by containerPort and honours $patch: delete and replace', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'web',
                  ports: [
                    { containerPort: 80, name: 'http' },
                    { containerPort: 443 },
                  ],
                },
                { name: 'sidecar', $patch: 'delete' },
              ],
              tolerations: [{ key: 'z' }],
            },
          },
        },
        metadata: { labels: { $patch: 'replace', only: 'this' } },
      },
      true,
    ) as any;
    expect(out.spec.template.spec.containers).toHaveLength(1);
    expect(out.spec.template.spec.containers[0].ports).toEqual([
      { containerPort: 80, protocol: 'TCP', name: 'http' },
      { containerPort: 443 },
    ]);
    // Lists without a merge key are replaced.
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'z' }]);
    expect(out.metadata.labels).toEqual({ only: 'this' });
  });

  it('ignores ordering directives and removes from primitive lists', () => {
    const out = applyStrategicMergePatch(
      { metadata: { finalizers: ['a', 'b'] } },
      {
        metadata: {
          '$deleteFromPrimitiveList/finalizers': ['a'],
          '$setElementOrder/finalizers': ['b'],
        },
      },
      true,
    ) as any;
    expect(out.metadata.finalizers).toEqual(['b']);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, replace, remove, move, copy and test', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/new~1key', value: 'v' },
      { op: 'remove', path: '/metadata/labels/tier' },
      {
        op: 'add',
        path: '/spec/template/spec/containers/0/env/-',
        value: { name: 'C', value: '3' },
      },
      {
        op: 'copy',
        from: '/metadata/labels/app',
        path: '/metadata/labels/copy',
      },
      {
        op: 'move',
        from: '/metadata/labels/copy',
        path: '/metadata/labels/moved',
      },
    ]) as any;
    expect(out.spec.replicas).toBe(3);
    expect(out.metadata.labels).toEqual({
      app: 'web',
      'new/key': 'v',
      moved: 'web',
    });
    expect(out.spec.template.spec.containers[0].env).toHaveLength(3);
  });

  it('answers 422 for a failed test and 400 for a missing path or a malformed patch', () => {
    expect(
      code(() =>
        applyJsonPatch(deployment(), [
          { op: 'test', path: '/spec/replicas', value: 9 },
        ]),
      ),
    ).toBe(422);
    expect(
      code(() =>
        applyJsonPatch(deployment(), [{ op: 'remove', path: '/spec/nope' }]),
      ),
    ).toBe(400);
    expect(code(() => applyJsonPatch(deployment(), { op: 'add' }))).toBe(400);
    expect(
      code(() =>
        applyJsonPatch(deployment(), [{ op: 'frobnicate', path: '/a' }]),
      ),
    ).toBe(400);
  });
});
