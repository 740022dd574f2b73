import { parseRetryAfter, withRetries } from './retry';

describe('withRetries', () => {
  const retryable = { classify: () => ({ retry: true }) };

  it('retries until success with jittered exponential backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls < 4) throw new Error('boom');
        return 'ok';
      },
      {
        ...retryable,
        baseDelayMs: 100,
        random: () => 1,
        sleep: async ms => void delays.push(ms),
      },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([100, 200, 400]);
  });

  it('stops after the attempts and rethrows the last error', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new Error(`boom ${calls}`);
        },
        { ...retryable, attempts: 3, sleep: async () => {} },
      ),
    ).rejects.toThrow('boom 3');
    expect(calls).toBe(3);
  });

  it('does not retry what the classifier refuses', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new Error('400');
        },
        { classify: () => ({ retry: false }), sleep: async () => {} },
      ),
    ).rejects.toThrow('400');
    expect(calls).toBe(1);
  });

  it("waits what the server's Retry-After asks, capped", async () => {
    const delays: number[] = [];
    let calls = 0;
    await withRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('429');
        return 1;
      },
      {
        classify: () => ({
          retry: true,
          retryAfterMs: calls === 1 ? 2000 : 90_000,
        }),
        random: () => 0,
        maxRetryAfterMs: 30_000,
        sleep: async ms => void delays.push(ms),
      },
    );
    expect(delays).toEqual([2000, 30_000]);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
