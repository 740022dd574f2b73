import {
  mlflowInput,
  startHarness,
  writesSince,
} from '../__testUtils__/harness';
import { snapshotManagedState } from '../__testUtils__/state';

jest.setTimeout(120_000);

/** The state a deploy reaches with no fault, to compare faulty runs with. */
let clean: unknown;

beforeAll(async () => {
  const h = await startHarness();
  try {
    const result = await h.run('ml-tools:deploy', mlflowInput());
    if (result.error) throw result.error;
    clean = await snapshotManagedState(h.sandbox);
  } finally {
    await h.stop();
  }
});

describe('ml-tools:deploy completes despite upstream faults', () => {
  it.each([
    ['429s from Kubernetes', { server: 'kubernetes' as const }, 429],
    ['a burst of 503s from Kubernetes', { server: 'kubernetes' as const }, 503],
    [
      'a burst of 500s on Kubernetes applies',
      { server: 'kubernetes' as const, method: 'PATCH' },
      500,
    ],
    ['429s from Keycloak', { server: 'keycloak' as const }, 429],
    ['a burst of 503s from Keycloak', { server: 'keycloak' as const }, 503],
    [
      'a burst of 500s on Keycloak creates',
      { server: 'keycloak' as const, method: 'POST' },
      500,
    ],
  ])('%s', async (_what, match, status) => {
    const h = await startHarness();
    try {
      h.sandbox.faults.add({
        match,
        errorRate: 1,
        status,
        retryAfterSeconds: 0,
        times: 3,
      });
      // Then scattered ones: never more than 5 failures in a row, within the 6 attempts.
      h.sandbox.faults.add({
        match,
        errorRate: 0.3,
        status,
        retryAfterSeconds: 0,
        times: 2,
      });
      const result = await h.run('ml-tools:deploy', mlflowInput());
      h.sandbox.faults.clear();
      expect(result.error).toBeUndefined();
      const faulty = h.sandbox.log
        .entries({ server: match.server })
        .filter(e => e.status === status);
      expect(faulty.length).toBeGreaterThanOrEqual(3);
      expect(await snapshotManagedState(h.sandbox)).toEqual(clean);
    } finally {
      await h.stop();
    }
  });

  it('a Keycloak token that expires mid-run: one re-login, no failure', async () => {
    const h = await startHarness();
    try {
      let keycloakCalls = 0;
      const original = h.calls.push.bind(h.calls);
      h.calls.push = (...items) => {
        for (const c of items) {
          if (c.server === 'keycloak' && ++keycloakCalls === 5) {
            h.keycloakInfo.simulator.expireTokens();
          }
        }
        return original(...items);
      };
      const result = await h.run('ml-tools:deploy', mlflowInput());
      expect(result.error).toBeUndefined();
      const unauthorized = h.sandbox.log
        .entries({ server: 'keycloak' })
        .filter(e => e.status === 401);
      expect(unauthorized).toHaveLength(1);
      const logins = h.sandbox.log
        .entries({ server: 'keycloak' })
        .filter(e => e.path.endsWith('/openid-connect/token'));
      expect(logins).toHaveLength(2);
      expect(await snapshotManagedState(h.sandbox)).toEqual(clean);
    } finally {
      await h.stop();
    }
  });

  it('a short-lived token is renewed before it expires, without a 401', async () => {
    const h = await startHarness({ tokenLifetimeSeconds: 2 });
    try {
      h.sandbox.faults.add({
        match: { server: 'keycloak', method: 'GET' },
        latencyMs: 120,
      });
      const result = await h.run('ml-tools:deploy', mlflowInput());
      expect(result.error).toBeUndefined();
      // Outlive the first token, so the re-run must renew it; how long a deploy takes
      // depends on the machine, so the renewal is not left to happen mid-run by chance.
      await new Promise(resolve => setTimeout(resolve, 2500));
      const mark = h.sandbox.log.mark();
      await h.run('ml-tools:deploy', mlflowInput());
      expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
      const log = h.sandbox.log.entries({ server: 'keycloak' });
      expect(log.filter(e => e.status === 401)).toEqual([]);
      expect(
        log.filter(e => e.path.endsWith('/openid-connect/token')).length,
      ).toBeGreaterThan(1);
    } finally {
      await h.stop();
    }
  });
});
