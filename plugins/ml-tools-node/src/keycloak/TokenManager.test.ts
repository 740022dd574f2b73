import { jwtExpiry, TokenManager } from './TokenManager';

function jwt(exp: number) {
  const b64 = (o: object) =>
    Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64({ exp })}.sig`;
}

describe('TokenManager', () => {
  it('shares one login among concurrent callers', async () => {
    let logins = 0;
    let release!: () => void;
    const gate = new Promise<void>(r => (release = r));
    const tokens = new TokenManager(async () => {
      logins += 1;
      await gate;
      return { value: `t${logins}`, expiresAt: Date.now() + 300_000 };
    });
    const all = Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    release();
    expect(await all).toEqual(['t1', 't1', 't1']);
    expect(logins).toBe(1);
    expect(await tokens.get()).toBe('t1');
    expect(tokens.loginCount).toBe(1);
  });

  it('renews before expiry: 30 s ahead, or a quarter of a short lifetime', async () => {
    let now = 0;
    let n = 0;
    const tokens = new TokenManager(
      async () => ({ value: `t${++n}`, expiresAt: now + 300_000 }),
      { now: () => now },
    );
    expect(await tokens.get()).toBe('t1');
    now = 269_000;
    expect(await tokens.get()).toBe('t1');
    now = 271_000;
    expect(await tokens.get()).toBe('t2');

    const short = new TokenManager(
      async () => ({ value: `s${++n}`, expiresAt: now + 8_000 }),
      { now: () => now },
    );
    const first = await short.get();
    now += 5_000;
    expect(await short.get()).toBe(first);
    now += 1_500;
    expect(await short.get()).not.toBe(first);
  });

  it('drops a token a 401 proved stale, but not a newer one', async () => {
    let n = 0;
    const tokens = new TokenManager(async () => ({ value: `t${++n}` }));
    expect(await tokens.get()).toBe('t1');
    tokens.invalidate('t1');
    expect(await tokens.get()).toBe('t2');
    tokens.invalidate('t1');
    expect(await tokens.get()).toBe('t2');
  });

  it('reads the exp claim of a JWT', () => {
    expect(jwtExpiry(jwt(1000))).toBe(1_000_000);
    expect(jwtExpiry('opaque')).toBeUndefined();
  });
});
