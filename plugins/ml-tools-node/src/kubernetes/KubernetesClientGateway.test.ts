import {
  startSandbox,
  FAIL_ANNOTATION,
  type Sandbox,
} from '@ml-platform/sandbox';
import { ML_PLATFORM_FIELD_MANAGER } from '@ml-platform/plugin-ml-tools-common';
import { clusterConfig, fastRetry } from '../__testUtils__/sandbox';
import { isRequestTimeout } from '../lib/errors';
import { KubernetesClientGateway } from './KubernetesClientGateway';
import { releaseReadiness } from './readiness';

jest.setTimeout(60_000);

const ns = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});
const secret = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ml-a', labels },
  data: { k: Buffer.from('v').toString('base64') },
});

describe('KubernetesClientGateway', () => {
  let sandbox: Sandbox;
  let gw: KubernetesClientGateway;
  beforeAll(async () => {
    sandbox = await startSandbox({
      clusters: [{ name: 'east' }, { name: 'west' }],
    });
    gw = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox),
      retry: fastRetry,
    });
    await gw.apply('east', ns('ml-a'));
  });
  afterAll(() => sandbox.stop());

  it('applies server-side with the one field manager, gets, lists by label and deletes', async () => {
    const applied = await gw.apply('east', secret('s1', { app: 'x' }));
    expect(applied.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: ML_PLATFORM_FIELD_MANAGER,
        operation: 'Apply',
      }),
    ]);
    await gw.apply('east', secret('s2', { app: 'y' }));
    expect(
      (
        await gw.get('east', {
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: 'ml-a',
          name: 's1',
        })
      )?.data,
    ).toEqual({
      k: 'dg==',
    });
    const listed = await gw.list('east', {
      apiVersion: 'v1',
      kind: 'Secret',
      labelSelector: 'app=x',
    });
    expect(listed.map(s => [s.kind, s.metadata.name])).toEqual([
      ['Secret', 's1'],
    ]);
    // A no-op apply changes nothing (same resourceVersion).
    const again = await gw.apply('east', secret('s1', { app: 'x' }));
    expect(again.metadata.resourceVersion).toBe(
      applied.metadata.resourceVersion,
    );
    expect(
      await gw.delete('east', {
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'ml-a',
        name: 's2',
      }),
    ).toBe(true);
    expect(
      await gw.delete('east', {
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'ml-a',
        name: 's2',
      }),
    ).toBe(false);
    expect(
      await gw.get('east', {
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'ml-a',
        name: 's2',
      }),
    ).toBeUndefined();
  });

  it('follows continue tokens through every page, for custom resources as for core kinds', async () => {
    const east = sandbox.cluster('east').simulator;
    for (const name of ['ml-pages', 'ml-pages-b']) east.apply(ns(name));
    const release = (name: string, namespace: string, page = 'yes') => ({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name, namespace, labels: { page } },
      spec: { interval: '10m', chart: { spec: { chart: 'mlflow' } } },
    });
    for (let i = 0; i < 7; i++) east.apply(release(`r${i}`, 'ml-pages'));
    east.apply(release('r7', 'ml-pages-b'));
    east.apply(release('r8', 'ml-pages-b'));
    east.apply(release('other', 'ml-pages', 'no'));

    const mark = sandbox.log.mark();
    const all = await gw.list('east', {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      labelSelector: 'page=yes',
      pageSize: 3,
    });
    expect(all.map(r => r.metadata.name).sort()).toEqual([
      'r0',
      'r1',
      'r2',
      'r3',
      'r4',
      'r5',
      'r6',
      'r7',
      'r8',
    ]);
    expect(all.every(r => r.kind === 'HelmRelease')).toBe(true);
    expect(all.every(r => r.apiVersion === 'helm.toolkit.fluxcd.io/v2')).toBe(
      true,
    );
    const pages = sandbox.log.entries({ since: mark, target: 'east' });
    expect(pages.map(p => p.path)).toEqual(
      Array(3).fill('/apis/helm.toolkit.fluxcd.io/v2/helmreleases'),
    );
    expect(pages.filter(p => p.query.includes('continue='))).toHaveLength(2);

    // In one namespace, four pages of two.
    const inNamespace = await gw.list('east', {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      namespace: 'ml-pages',
      labelSelector: 'page=yes',
      pageSize: 2,
    });
    expect(inNamespace).toHaveLength(7);

    // Core kinds page the same way.
    for (let i = 0; i < 3; i++) {
      east.apply({ ...secret(`paged-${i}`, { paged: 'yes' }) });
    }
    const secrets = await gw.list('east', {
      apiVersion: 'v1',
      kind: 'Secret',
      labelSelector: 'paged=yes',
      pageSize: 1,
    });
    expect(secrets.map(s => s.metadata.name).sort()).toEqual([
      'paged-0',
      'paged-1',
      'paged-2',
    ]);
  });

  it("bounds each request of a read by the caller's timeoutMs, never the read in all, and does not retry past it", async () => {
    const east = sandbox.cluster('east').simulator;
    east.apply(ns('ml-slow'));
    for (let i = 0; i < 4; i++) {
      east.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `c${i}`,
          namespace: 'ml-slow',
          labels: { slow: 'yes' },
        },
      });
    }
    const query = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ml-slow',
      labelSelector: 'slow=yes',
      pageSize: 1,
    };
    // Every page answers in 150 ms: in time for a 400 ms bound per request, while the
    // four pages together take longer than that.
    sandbox.faults.add({
      match: { server: 'kubernetes', target: 'east', path: '/configmaps$' },
      latencyMs: 150,
    });
    try {
      const started = Date.now();
      const items = await gw.list('east', query, { timeoutMs: 400 });
      expect(items).toHaveLength(4);
      expect(Date.now() - started).toBeGreaterThan(400);
    } finally {
      sandbox.faults.clear();
    }

    // A page that never answers: closed at the bound, one request only, a timeout.
    sandbox.faults.add({
      match: { server: 'kubernetes', target: 'east', path: '/configmaps$' },
      hang: true,
    });
    try {
      const mark = sandbox.log.mark();
      const started = Date.now();
      const error = await gw
        .list('east', query, { timeoutMs: 200 })
        .catch(e => e as Error);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(isRequestTimeout(error)).toBe(true);
      expect(isRequestTimeout(new Error('connection refused'))).toBe(false);
      await new Promise(resolve => setTimeout(resolve, 100));
      expect(
        sandbox.log
          .entries({ since: mark, target: 'east' })
          .filter(e => e.path.endsWith('/configmaps')),
      ).toHaveLength(1);
    } finally {
      sandbox.faults.clear();
    }
  });

  it('reports a kind the cluster does not serve as NotFoundError, as a missing CRD', async () => {
    await expect(
      gw.list('east', { apiVersion: 'example.com/v1', kind: 'Widget' }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(
      gw.list('east', {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'NotAKind',
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('does not serve NotAKind'),
    });
  });

  it('lists across clusters, reporting a failing cluster without failing the others', async () => {
    await gw.apply('west', {
      ...ns('ml-west'),
      metadata: { name: 'ml-west', labels: { probe: 'yes' } },
    });
    sandbox.faults.add({
      match: { target: 'east' },
      errorRate: 1,
      status: 500,
    });
    try {
      const results = await gw.listAcrossClusters({
        apiVersion: 'v1',
        kind: 'Namespace',
        labelSelector: 'probe=yes',
      });
      expect(
        results
          .find(r => r.cluster === 'west')
          ?.items.map(i => i.metadata.name),
      ).toEqual(['ml-west']);
      expect(results.find(r => r.cluster === 'east')?.error?.name).toBe(
        'UpstreamError',
      );
    } finally {
      sandbox.faults.clear();
    }
  });

  it('honours Retry-After on 429', async () => {
    const slow = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox),
    });
    sandbox.faults.add({
      match: { server: 'kubernetes', method: 'GET' },
      errorRate: 1,
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    const started = Date.now();
    expect(
      await slow.get('east', {
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'ml-a',
      }),
    ).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries bursts of 5xx on reads and applies, then gives up with a 503-class error', async () => {
    sandbox.faults.add({
      match: { server: 'kubernetes' },
      errorRate: 1,
      status: 502,
      times: 3,
    });
    expect(await gw.apply('east', secret('s3'))).toBeDefined();
    sandbox.faults.add({
      match: { server: 'kubernetes' },
      errorRate: 1,
      status: 503,
    });
    try {
      await expect(
        gw.get('east', { apiVersion: 'v1', kind: 'Namespace', name: 'ml-a' }),
      ).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
      });
    } finally {
      sandbox.faults.clear();
    }
  });

  it('translates answers into Backstage errors', async () => {
    await expect(
      gw.get('north', { apiVersion: 'v1', kind: 'Namespace', name: 'x' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(/Unknown cluster "north"/),
    });
    await expect(
      gw.apply('east', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'Bad_Name', namespace: 'ml-a' },
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
    const anonymous = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox, { serviceAccountToken: 'wrong' }),
      retry: fastRetry,
    });
    await expect(
      anonymous.get('east', {
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'ml-a',
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
  });

  it('waits for a release with progress lines, and reports a failed one', async () => {
    const paced = await startSandbox({ pace: 30 });
    try {
      const pgw = new KubernetesClientGateway({
        clusters: clusterConfig(paced),
        retry: fastRetry,
      });
      await pgw.apply('sandbox', { ...ns('ml-a') });
      const release = (name: string, annotations?: Record<string, string>) => ({
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name, namespace: 'ml-a', annotations },
        spec: {
          interval: '5m',
          chart: {
            spec: {
              chart: 'mlflow',
              version: '1.0.0',
              sourceRef: { kind: 'HelmRepository', name: 'r' },
            },
          },
          values: {},
        },
      });
      await pgw.apply('sandbox', release('ok'));
      const lines: string[] = [];
      const ref = {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        namespace: 'ml-a',
        name: 'ok',
      };
      await pgw.waitFor('sandbox', ref, {
        check: releaseReadiness,
        timeoutMs: 10_000,
        pollIntervalMs: 10,
        onProgress: l => lines.push(l),
      });
      expect(lines[0]).toMatch(/^Waiting for HelmRelease ml-a\/ok: /);
      expect(lines[lines.length - 1]).toMatch(/^HelmRelease ml-a\/ok is ready/);

      await pgw.apply(
        'sandbox',
        release('broken', { [FAIL_ANNOTATION]: 'image pull failed' }),
      );
      await expect(
        pgw.waitFor(
          'sandbox',
          { ...ref, name: 'broken' },
          { check: releaseReadiness, timeoutMs: 10_000, pollIntervalMs: 10 },
        ),
      ).rejects.toThrow(
        /HelmRelease ml-a\/broken on cluster "sandbox" failed: .*image pull failed/,
      );

      await pgw.apply('sandbox', release('late'));
      await expect(
        pgw.waitFor(
          'sandbox',
          { ...ref, name: 'late' },
          {
            check: () => ({ state: 'pending', message: 'still' }),
            timeoutMs: 100,
            pollIntervalMs: 10,
          },
        ),
      ).rejects.toThrow(/was not ready after 0s: still/);
    } finally {
      await paced.stop();
    }
  });

  it('verifies TLS by default, with the configured CA, and accepts kubeconfig auth', async () => {
    const secure = await startSandbox({ https: true, keycloak: false });
    try {
      const trusted = new KubernetesClientGateway({
        clusters: clusterConfig(secure),
        retry: fastRetry,
      });
      expect(
        await trusted.get('sandbox', {
          apiVersion: 'v1',
          kind: 'Namespace',
          name: 'default',
        }),
      ).toBeDefined();
      const untrusted = new KubernetesClientGateway({
        clusters: clusterConfig(secure, { caData: undefined }),
        retry: { ...fastRetry, attempts: 1 },
      });
      await expect(
        untrusted.get('sandbox', {
          apiVersion: 'v1',
          kind: 'Namespace',
          name: 'default',
        }),
      ).rejects.toThrow();
      const viaKubeconfig = new KubernetesClientGateway({
        clusters: [
          {
            name: 'sandbox',
            authProvider: 'kubeconfig',
            kubeconfig: secure.kubeConfigYamlFor('sandbox'),
            skipTLSVerify: false,
            requestTimeoutMs: 5000,
          },
        ],
      });
      expect(
        await viaKubeconfig.get('sandbox', {
          apiVersion: 'v1',
          kind: 'Namespace',
          name: 'default',
        }),
      ).toBeDefined();
    } finally {
      await secure.stop();
    }
  });
});
