import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { clusterConfig, fastRetry } from '../__testUtils__/sandbox';
import { KubernetesClientGateway } from './KubernetesClientGateway';

jest.setTimeout(60_000);

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Cancellation and timeouts close the request itself: a hanging cluster must not keep a
 * socket open after the caller has stopped waiting. The sandbox logs a hung request
 * only when its connection closes, with status 0 and how long it stayed open.
 */
describe('KubernetesClientGateway cancellation', () => {
  let sandbox: Sandbox;
  let gw: KubernetesClientGateway;
  const namespace = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    name,
  });

  beforeAll(async () => {
    sandbox = await startSandbox({ clusters: [{ name: 'east' }] });
    gw = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox),
      retry: fastRetry,
    });
    await gw.apply('east', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-a' },
    });
    // The first abort loads the HTTP client's abort path (half a second under Jest's
    // transform); timings below are about the gateway, so that happens here.
    sandbox.faults.add({ match: { path: '/namespaces/warm-up$' }, hang: true });
    await gw
      .get('east', namespace('warm-up'), { signal: AbortSignal.timeout(50) })
      .catch(() => undefined);
    await pause(200);
  });
  afterEach(() => sandbox.faults.clear());
  afterAll(() => sandbox.stop());

  /** Hangs the matching requests; returns what the log saw closed since now. */
  function hang(path: string) {
    sandbox.faults.add({ match: { server: 'kubernetes', path }, hang: true });
    const mark = sandbox.log.mark();
    return () =>
      sandbox.log
        .entries({ since: mark, server: 'kubernetes' })
        .map(e => ({ path: e.path, status: e.status, ms: e.durationMs }));
  }

  it('aborts a hanging get at its signal and closes its socket', async () => {
    const closed = hang('/namespaces/ml-hang$');
    const started = Date.now();
    await expect(
      gw.get('east', namespace('ml-hang'), {
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(300);
    await pause(1000);
    expect(closed()).toEqual([
      {
        path: '/api/v1/namespaces/ml-hang',
        status: 0,
        ms: expect.any(Number),
      },
    ]);
    // Closed at the abort, not when the test ended.
    expect(closed()[0].ms).toBeLessThan(500);
  });

  it("aborts a hanging list of custom resources with the caller's reason", async () => {
    const closed = hang('/helmreleases$');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('page closed')), 200);
    const started = Date.now();
    await expect(
      gw.list(
        'east',
        {
          apiVersion: 'helm.toolkit.fluxcd.io/v2',
          kind: 'HelmRelease',
          namespace: 'ml-a',
        },
        { signal: controller.signal },
      ),
    ).rejects.toThrow('page closed');
    expect(Date.now() - started).toBeLessThan(300);
    await pause(1000);
    expect(closed()).toEqual([
      expect.objectContaining({
        path: '/apis/helm.toolkit.fluxcd.io/v2/namespaces/ml-a/helmreleases',
        status: 0,
      }),
    ]);
  });

  it('cancels a wait, including the read in flight', async () => {
    const closed = hang('/namespaces/ml-wait$');
    const started = Date.now();
    await expect(
      gw.waitFor('east', namespace('ml-wait'), {
        check: () => ({ state: 'pending', message: 'never' }),
        timeoutMs: 10_000,
        pollIntervalMs: 10,
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toMatchObject({
      name: 'ReleaseNotReadyError',
      message: 'Waiting for Namespace ml-wait was cancelled',
    });
    expect(Date.now() - started).toBeLessThan(300);
    await pause(1000);
    expect(closed()).toEqual([
      expect.objectContaining({
        path: '/api/v1/namespaces/ml-wait',
        status: 0,
      }),
    ]);
  });

  it('does not call a cluster for an already aborted signal', async () => {
    const mark = sandbox.log.mark();
    await expect(
      gw.get('east', namespace('ml-a'), { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(sandbox.log.entries({ since: mark })).toEqual([]);
  });

  it("closes an attempt's request at the cluster's timeout, then retries", async () => {
    const impatient = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox, { requestTimeoutMs: 200 }),
      retry: fastRetry,
    });
    sandbox.faults.add({
      match: { server: 'kubernetes', path: '/namespaces/ml-a$' },
      hang: true,
      times: 1,
    });
    const mark = sandbox.log.mark();
    expect(await impatient.get('east', namespace('ml-a'))).toMatchObject({
      metadata: { name: 'ml-a' },
    });
    await pause(300);
    const calls = sandbox.log.entries({ since: mark });
    expect(calls.map(c => c.status)).toEqual([0, 200]);
    expect(calls[0].durationMs).toBeLessThan(500);
  });
});
