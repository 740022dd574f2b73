import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { ML_PLATFORM_ANNOTATIONS } from '@ml-platform/plugin-ml-tools-common';
import { clusterConfig, fastRetry } from '../__testUtils__/sandbox';
import { instanceLabels } from '../blueprints/labels';
import { KubernetesClientGateway } from './KubernetesClientGateway';
import {
  desiredStateHash,
  ensureK8sObject,
  isSubset,
  stableStringify,
} from './ensure';

jest.setTimeout(60_000);

describe('isSubset and hashes', () => {
  it('compares desired fields only, arrays item by item', () => {
    expect(
      isSubset(
        { a: 1, b: { c: [1, { d: 2 }] } },
        { a: 1, x: 0, b: { c: [1, { d: 2, e: 3 }] } },
      ),
    ).toBe(true);
    expect(isSubset({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(isSubset({ a: { b: 1 } }, { a: { b: '1' } })).toBe(false);
    expect(stableStringify({ b: 1, a: { d: 1, c: 2 } })).toBe(
      '{"a":{"c":2,"d":1},"b":1}',
    );
  });

  it('leaves secret values out of the hash', () => {
    const secret = (value: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: Buffer.from(value).toString('base64') },
    });
    expect(desiredStateHash(secret('one'))).toBe(
      desiredStateHash(secret('two')),
    );
    const cm = (value: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { v: value },
    });
    expect(desiredStateHash(cm('one'))).not.toBe(desiredStateHash(cm('two')));
  });
});

describe('ensureK8sObject', () => {
  let sandbox: Sandbox;
  let gw: KubernetesClientGateway;
  const labels = instanceLabels({
    instance: 'a',
    tool: 'mlflow',
    ownerName: 'team',
  });
  const cm = (data: Record<string, string>, extraLabels = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cfg',
      namespace: 'ml-a',
      labels: { ...labels, ...extraLabels },
    },
    data,
  });
  const writes = (since: number) => sandbox.log.count({ kind: 'write', since });

  beforeAll(async () => {
    sandbox = await startSandbox({ keycloak: false });
    gw = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox),
      retry: fastRetry,
    });
    await gw.apply('sandbox', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-a' },
    });
  });
  afterAll(() => sandbox.stop());

  it('creates, then writes nothing while nothing changed, then applies a change', async () => {
    expect(
      (await ensureK8sObject(gw, 'sandbox', cm({ a: '1', b: '2' }))).action,
    ).toBe('create');
    const mark = sandbox.log.mark();
    expect(
      (await ensureK8sObject(gw, 'sandbox', cm({ a: '1', b: '2' }))).action,
    ).toBe('unchanged');
    expect(writes(mark)).toBe(0);
    expect(
      (
        await ensureK8sObject(gw, 'sandbox', cm({ a: '1', b: '3' }), {
          dryRun: true,
        })
      ).action,
    ).toBe('update');
    expect(writes(mark)).toBe(0);
    // A removed key is a change too (the hash tells), and SSA drops it.
    const removed = await ensureK8sObject(gw, 'sandbox', cm({ a: '1' }));
    expect(removed.action).toBe('update');
    expect(removed.object?.data).toEqual({ a: '1' });
    expect(
      removed.object?.metadata.annotations?.[
        ML_PLATFORM_ANNOTATIONS.appliedHash
      ],
    ).toMatch(/^[0-9a-f]{32}$/);
  });

  it('repairs drift made by someone else on our object', async () => {
    sandbox.clusters[0].simulator.apply(
      { ...cm({ a: 'tampered' }) },
      'kubectl',
    );
    const result = await ensureK8sObject(gw, 'sandbox', cm({ a: '1' }));
    expect(result.action).toBe('update');
    expect(result.object?.data).toMatchObject({ a: '1' });
  });

  it('never changes what someone else made', async () => {
    sandbox.clusters[0].simulator.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'theirs', namespace: 'ml-a' },
      data: { x: '1' },
    });
    const mine = {
      ...cm({ x: '2' }),
      metadata: { ...cm({}).metadata, name: 'theirs' },
    };
    const mark = sandbox.log.mark();
    await expect(ensureK8sObject(gw, 'sandbox', mine)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /ConfigMap ml-a\/theirs .* not managed by ml-platform-backstage/,
      ),
    });
    expect(
      (await ensureK8sObject(gw, 'sandbox', mine, { onForeign: 'keep' }))
        .action,
    ).toBe('foreign');
    expect(writes(mark)).toBe(0);
  });

  it('refuses an object of ours that belongs to another instance', async () => {
    await expect(
      ensureK8sObject(gw, 'sandbox', cm({ a: '1' }), { instance: 'b' }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/belongs to instance "a", not "b"/),
    });
  });
});
