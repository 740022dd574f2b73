import { startFederationHarness } from '../__testUtils__/federation';

jest.setTimeout(60_000);

const USER_STORAGE = 'org.keycloak.storage.UserStorageProvider';

describe('keycloak:federation:remove', () => {
  let h: Awaited<ReturnType<typeof startFederationHarness>>;
  afterEach(async () => {
    await h?.stop();
  });

  it('removes a federation the platform made, with its imported users; a dry run and a second run change nothing', async () => {
    h = await startFederationHarness();
    const realm = h.config.keycloak.realm;
    expect(
      (
        await h.run('keycloak:federation:ensure', h.runbookInput(), {
          secrets: h.secrets,
        })
      ).error,
    ).toBeUndefined();
    const [component] = await h.keycloak.listComponents(realm, {
      type: USER_STORAGE,
    });
    expect(
      await h.keycloak.listFederatedUsers(realm, component.id!),
    ).toHaveLength(2);
    const input = { name: 'corporate-ldap', confirmName: 'corporate-ldap' };

    const before = h.realmsState();
    const dry = await h.run('keycloak:federation:remove', input, {
      dryRun: true,
    });
    expect(dry.error).toBeUndefined();
    expect(dry.logs.join('\n')).toContain('would delete');
    expect(h.realmsState()).toEqual(before);

    const removed = await h.run('keycloak:federation:remove', input);
    expect(removed.error).toBeUndefined();
    expect(removed.outputs.removed).toBe(true);
    expect(
      await h.keycloak.listComponents(realm, { type: USER_STORAGE }),
    ).toEqual([]);
    expect(await h.keycloak.listFederatedUsers(realm, component.id!)).toEqual(
      [],
    );

    const again = await h.run('keycloak:federation:remove', input);
    expect(again.outputs.removed).toBe(false);
    expect(again.logs.join('\n')).toContain('already absent');
  });

  it('leaves a federation someone else made untouched, and refuses a mistyped confirmation', async () => {
    h = await startFederationHarness();
    const realm = h.config.keycloak.realm;
    await h.keycloak.createComponent(realm, {
      name: 'hand-made',
      providerId: 'ldap',
      providerType: USER_STORAGE,
      config: { connectionUrl: [h.slapd.url] },
    });
    const before = h.realmsState();
    const result = await h.run('keycloak:federation:remove', {
      name: 'hand-made',
      confirmName: 'hand-made',
    });
    expect(result.error).toBeUndefined();
    expect(result.outputs.removed).toBe(false);
    expect(result.logs.join('\n')).toContain('not ours');
    expect(h.realmsState()).toEqual(before);

    const mistyped = await h.run('keycloak:federation:remove', {
      name: 'hand-made',
      confirmName: 'hand-mad',
    });
    expect(mistyped.error?.name).toBe('InputError');
    expect(mistyped.error?.message).toContain('input.confirmName');
  });
});
