import type { MlToolsClusterReads, MlToolsReadOptions } from './readers';
import { UpstreamCache } from './UpstreamCache';

const TIMEOUT_MS = 100;
const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** One cluster whose list answers as `answer` says, counting the reads. */
function cluster(answer: (options?: MlToolsReadOptions) => Promise<unknown[]>) {
  const reads: Array<MlToolsReadOptions | undefined> = [];
  const clusters: MlToolsClusterReads = {
    clusterNames: () => ['east'],
    get: async () => undefined,
    list: async (_cluster, _query, options) => {
      reads.push(options);
      return (await answer(options)) as never;
    },
  };
  const cache = new UpstreamCache({
    config: {
      cacheTtlMs: 60_000,
      clusterTimeoutMs: TIMEOUT_MS,
      keycloakTimeoutMs: TIMEOUT_MS,
      serverConcurrency: 4,
    },
    clusters,
  });
  const list = () =>
    cache.list('east', { labelSelector: 'x=y' }, [['v1', 'ConfigMap']]);
  return { reads, list };
}

describe('UpstreamCache', () => {
  it('answers timeout at the deadline, lets a slower read finish, and serves it to the next caller', async () => {
    let finish: () => void = () => {};
    const { reads, list } = cluster(
      () =>
        new Promise(resolve => {
          finish = () => resolve([{ metadata: { name: 'c1' } }]);
        }),
    );
    const started = Date.now();
    const first = await list();
    expect(first.state).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 50);
    // Each request of the read is bounded by the timeout, not the read in all.
    expect(reads).toEqual([{ timeoutMs: TIMEOUT_MS }]);

    // A caller while it runs waits on the same read, up to its own deadline.
    expect((await list()).state).toBe('timeout');
    finish();
    await pause(10);
    const later = await list();
    expect(later).toMatchObject({
      state: 'ok',
      value: [{ metadata: { name: 'c1' }, kind: 'ConfigMap' }],
    });
    expect(reads).toHaveLength(1);
  });

  it('reports a request the gateway closed at the timeout as a timeout, not a failure', async () => {
    const timeout = Object.assign(new Error('list timed out after 100 ms'), {
      name: 'RequestTimeoutError',
    });
    const { list } = cluster(async () => {
      throw new Error('Kubernetes list failed', { cause: timeout });
    });
    expect(await list()).toMatchObject({
      state: 'timeout',
      reason: `Cluster "east" did not answer within ${TIMEOUT_MS} ms`,
    });

    const refused = cluster(async () => {
      throw new Error('connect ECONNREFUSED');
    });
    expect(await refused.list()).toMatchObject({
      state: 'failed',
      reason: 'Cluster "east" failed: connect ECONNREFUSED',
    });
  });
});
