import {
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import { startHarness, writesSince } from '../__testUtils__/harness';

jest.setTimeout(60_000);

describe('ml-tools:namespace:ensure', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness({ pullSecret: true });
  });
  afterAll(() => h.stop());

  it('creates the namespace with our labels and copies the pull secret, once', async () => {
    const result = await h.run('ml-tools:namespace:ensure', {
      namespace: 'team-a',
    });
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ cluster: 'sandbox', namespace: 'team-a' });
    const ns = h.cluster.simulator.get('v1', 'Namespace', 'team-a')!;
    expect(ns.metadata.labels?.[ML_PLATFORM_LABELS.managedBy]).toBe(
      ML_PLATFORM_MANAGER,
    );
    const copy = h.cluster.simulator.get('v1', 'Secret', 'regcred', 'team-a')!;
    const source = h.cluster.simulator.get(
      'v1',
      'Secret',
      'regcred',
      'registry',
    )!;
    expect(copy.data).toEqual(source.data);
    expect(copy.type).toBe('kubernetes.io/dockerconfigjson');

    const mark = h.sandbox.log.mark();
    expect(
      (await h.run('ml-tools:namespace:ensure', { namespace: 'team-a' })).error,
    ).toBeUndefined();
    expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
  });

  it('uses a namespace someone else made without relabelling it', async () => {
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-theirs', labels: { team: 'x' } },
    });
    const result = await h.run('ml-tools:namespace:ensure', {
      namespace: 'ml-theirs',
    });
    expect(result.error).toBeUndefined();
    expect(result.logs.join('\n')).toMatch(
      /Namespace ml-theirs: exists and is not ours/,
    );
    expect(
      h.cluster.simulator.get('v1', 'Namespace', 'ml-theirs')!.metadata.labels,
    ).toEqual({
      team: 'x',
    });
  });

  it('refuses system namespaces and namespaces outside the allowed patterns before any call', async () => {
    const mark = h.sandbox.log.mark();
    const system = await h.run('ml-tools:namespace:ensure', {
      namespace: 'default',
    });
    expect(system.error?.name).toBe('NotAllowedError');
    expect(system.error?.message).toMatch(
      /input\.namespace "default" is not allowed: it is a system namespace/,
    );
    const outside = await h.run('ml-tools:namespace:ensure', {
      namespace: 'finance',
    });
    expect(outside.error?.name).toBe('NotAllowedError');
    expect(outside.error?.message).toMatch(
      /input\.namespace "finance" is not allowed.*ml-\*, team-\*/,
    );
    expect(h.sandbox.log.count({ since: mark })).toBe(0);
  });

  it('reports in a dry run without writing', async () => {
    const mark = h.sandbox.log.mark();
    const result = await h.run(
      'ml-tools:namespace:ensure',
      { namespace: 'team-new' },
      { dryRun: true },
    );
    expect(result.error).toBeUndefined();
    expect(result.logs.join('\n')).toMatch(/Namespace team-new: would create/);
    expect(h.sandbox.log.count({ since: mark, kind: 'write' })).toBe(0);
  });
});
