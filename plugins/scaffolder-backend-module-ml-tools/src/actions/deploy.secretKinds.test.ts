import { keyedStoreBlueprint } from '../__testUtils__/blueprints';
import { startHarness, writesSince } from '../__testUtils__/harness';

jest.setTimeout(120_000);

const HR = 'helm.toolkit.fluxcd.io/v2';
const input = (withToken: boolean) => ({
  blueprint: keyedStoreBlueprint.id,
  namespace: 'ml-store',
  name: 'store',
  owner: 'group:default/vision',
  parameters: { withToken },
});

describe('public keys, typed-in secrets and kept parts, for any blueprint', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;

  beforeEach(async () => {
    h = await startHarness({ blueprints: [keyedStoreBlueprint] });
  });
  afterEach(async () => {
    await h.stop();
  });

  const secret = (name: string) =>
    Object.fromEntries(
      Object.entries(
        (h.cluster.simulator.get('v1', 'Secret', name, 'ml-store')?.data ??
          {}) as Record<string, string>,
      ).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );

  it('shows the public key of a generated key pair, and only that', async () => {
    const dry = await h.run('ml-tools:deploy', input(false), { dryRun: true });
    expect(dry.error).toBeUndefined();
    // Nothing is generated in a dry run: no key to show yet.
    expect(dry.outputs.publicKeys).toBeUndefined();

    const done = await h.run('ml-tools:deploy', input(false));
    expect(done.error).toBeUndefined();
    const ssh = secret('store-ssh');
    expect(done.outputs.publicKeys).toEqual([
      {
        secretName: 'store-ssh',
        key: 'ssh-key.pub',
        description: 'Deploy key to add to the remote',
        value: ssh['ssh-key.pub'],
      },
    ]);
    expect(ssh['ssh-key.pub']).toMatch(/^ssh-ed25519 \S+ keyed-store-store$/);
    expect(JSON.stringify(done)).not.toContain(ssh['ssh-key'].split('\n')[1]);
    const again = await h.run('ml-tools:deploy', input(false));
    expect(again.outputs.publicKeys).toEqual(done.outputs.publicKeys);
  });

  it('refuses a missing required typed-in secret before any write, keeps it once given', async () => {
    const mark = h.sandbox.log.entries().length;
    const refused = await h.run('ml-tools:deploy', input(true));
    expect(refused.error?.name).toBe('InputError');
    expect(refused.error?.message).toMatch(
      /secrets\.remoteToken is required \(Token of the remote\)/,
    );
    expect([
      ...writesSince(h.sandbox, 'kubernetes', mark),
      ...writesSince(h.sandbox, 'keycloak', mark),
    ]).toEqual([]);

    const given = await h.run('ml-tools:deploy', input(true), {
      secrets: { remoteToken: 'tok-0123456789abcdef' },
    });
    expect(given.error).toBeUndefined();
    expect(secret('store-remote')).toEqual({ token: 'tok-0123456789abcdef' });
    expect(JSON.stringify(given)).not.toContain('tok-0123456789abcdef');

    const kept = await h.run('ml-tools:deploy', input(true));
    expect(kept.error).toBeUndefined();
    expect(secret('store-remote')).toEqual({ token: 'tok-0123456789abcdef' });
  });

  it('keeps the releases of kept parts with the data, and only with it', async () => {
    expect(
      (await h.run('ml-tools:deploy', input(false))).error,
    ).toBeUndefined();
    const kept = await h.run('ml-tools:decommission', {
      namespace: 'ml-store',
      name: 'store',
      keepData: true,
    });
    expect(kept.error).toBeUndefined();
    const sim = h.cluster.simulator;
    expect(sim.get(HR, 'HelmRelease', 'store', 'ml-store')).toBeUndefined();
    expect(sim.get(HR, 'HelmRelease', 'store-data', 'ml-store')).toBeDefined();
    expect(kept.outputs.kept).toEqual(
      expect.arrayContaining(['HelmRelease ml-store/store-data']),
    );
    const gone = await h.run('ml-tools:decommission', {
      namespace: 'ml-store',
      name: 'store',
      keepData: false,
    });
    expect(gone.error).toBeUndefined();
    expect(
      sim.get(HR, 'HelmRelease', 'store-data', 'ml-store'),
    ).toBeUndefined();
  });
});
