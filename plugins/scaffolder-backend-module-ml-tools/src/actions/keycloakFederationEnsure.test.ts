import { RUNBOOK_DIRECTORY } from '@ml-platform/sandbox';
import { startFederationHarness } from '../__testUtils__/federation';

jest.setTimeout(60_000);

const ACTION = 'keycloak:federation:ensure';
const USER_STORAGE = 'org.keycloak.storage.UserStorageProvider';

type Harness = Awaited<ReturnType<typeof startFederationHarness>>;

/** The groups claim of a password-grant token of an LDAP user, from the sandbox. */
async function tokenGroups(
  h: Harness,
  realm: string,
  username: string,
  password: string,
): Promise<{ status: number; groups?: string[] }> {
  const kc = h.sandbox.keycloak!;
  const admin = async (method: string, path: string, body?: unknown) => {
    const token = await fetch(
      `${kc.url}/realms/master/protocol/openid-connect/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: 'admin-cli',
          username: kc.adminUsername,
          password: kc.adminPassword,
        }),
      },
    ).then(r => r.json() as Promise<{ access_token: string }>);
    return fetch(`${kc.url}/admin/realms/${realm}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  // A login client whose tokens carry group paths (made once per realm).
  const existing = await admin('GET', '/clients?clientId=ldap-login').then(
    r => r.json() as Promise<unknown[]>,
  );
  if (existing.length === 0) {
    await admin('POST', '/clients', {
      clientId: 'ldap-login',
      publicClient: true,
      directAccessGrantsEnabled: true,
      protocolMappers: [
        {
          name: 'groups',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-group-membership-mapper',
          config: {
            'claim.name': 'groups',
            'full.path': 'true',
            'access.token.claim': 'true',
          },
        },
      ],
    });
  }
  const res = await fetch(
    `${kc.url}/realms/${realm}/protocol/openid-connect/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'ldap-login',
        username,
        password,
      }),
    },
  );
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) return { status: res.status };
  const claims = JSON.parse(
    Buffer.from(body.access_token.split('.')[1], 'base64url').toString(),
  );
  return { status: res.status, groups: claims.groups };
}

describe('keycloak:federation:ensure against a real OpenLDAP', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('refuses a wrong bind password with a 4xx naming the bind credential, before anything is saved', async () => {
    h = await startFederationHarness();
    const before = h.realmsState();
    for (const dryRun of [true, false]) {
      const result = await h.run(ACTION, h.runbookInput(), {
        dryRun,
        secrets: { bindCredential: 'not-the-password' },
      });
      expect(result.error?.name).toBe('InputError');
      expect(result.error?.message).toContain('secrets.bindCredential');
      expect(result.error?.message).toContain('AuthenticationFailure');
    }
    expect(h.realmsState()).toEqual(before);
    expect(h.calls.filter(c => c.write)).toEqual([]);
    expect(
      await h.keycloak.listComponents(h.config.keycloak.realm, {
        type: USER_STORAGE,
      }),
    ).toEqual([]);
  });

  it('refuses an unreachable directory naming the connection URL', async () => {
    h = await startFederationHarness();
    const before = h.realmsState();
    const result = await h.run(
      ACTION,
      h.runbookInput({ connectionUrl: 'ldap://127.0.0.1:1' }),
      { secrets: h.secrets },
    );
    expect(result.error?.name).toBe('InputError');
    expect(result.error?.message).toMatch(
      /input\.connectionUrl .*CommunicationError/,
    );
    expect(h.realmsState()).toEqual(before);
  });

  it('refuses a missing credential and bad fields before any call', async () => {
    h = await startFederationHarness();
    const missing = await h.run(ACTION, h.runbookInput());
    expect(missing.error?.message).toContain('secrets.bindCredential');
    const bad = await h.run(
      ACTION,
      h.runbookInput({ connectionUrl: 'http://ldap', usersDn: 'People' }),
      { secrets: h.secrets },
    );
    expect(bad.error?.name).toBe('InputError');
    expect(bad.error?.message).toContain('input.connectionUrl');
    expect(bad.error?.message).toContain('input.usersDn');
    expect(h.calls).toEqual([]);
  });

  it("imports the runbook's users and groups, logs the counts, and tokens carry the LDAP groups; a re-run writes nothing", async () => {
    h = await startFederationHarness();
    const realm = h.config.keycloak.realm;
    const dry = await h.run(ACTION, h.runbookInput(), {
      dryRun: true,
      secrets: h.secrets,
    });
    expect(dry.error).toBeUndefined();
    expect(dry.logs.join('\n')).toMatch(
      /user federation .*corporate-ldap: would create/,
    );
    expect(
      await h.keycloak.listComponents(realm, { type: USER_STORAGE }),
    ).toEqual([]);

    const first = await h.run(ACTION, h.runbookInput(), {
      secrets: h.secrets,
    });
    expect(first.error).toBeUndefined();
    const log = first.logs.join('\n');
    expect(log).toContain('2 users imported, 0 updated, 0 removed, 0 failed');
    expect(log).toContain('2 groups imported, 0 updated, 0 removed, 0 failed');
    expect(first.outputs).toMatchObject({ realm, users: 2, groups: 2 });

    const [component] = await h.keycloak.listComponents(realm, {
      type: USER_STORAGE,
    });
    expect(component).toMatchObject({
      name: 'corporate-ldap',
      providerId: 'ldap',
      config: {
        vendor: ['other'],
        editMode: ['READ_ONLY'],
        usernameLDAPAttribute: ['uid'],
        uuidLDAPAttribute: ['entryUUID'],
        bindCredential: ['**********'],
      },
    });

    for (const user of RUNBOOK_DIRECTORY.users) {
      const token = await tokenGroups(h, realm, user.uid, user.password);
      expect(token.status).toBe(200);
      expect(token.groups).toEqual(user.groups.map(g => `/${g}`).sort());
    }
    expect(
      (await tokenGroups(h, realm, 'nkili', 'wrong-password')).status,
    ).toBe(400);

    // Re-run: the stored (masked) credential still binds, nothing differs: no write.
    const before = h.realmsState();
    const writesBefore = h.calls.filter(c => c.write).length;
    const again = await h.run(ACTION, h.runbookInput(), {
      secrets: h.secrets,
    });
    expect(again.error).toBeUndefined();
    expect(h.calls.filter(c => c.write).length).toBe(writesBefore);
    expect(h.realmsState()).toEqual(before);
    expect(again.outputs).toMatchObject({ users: 2 });
    expect(again.logs.join('\n')).toContain('unchanged');
  });

  it('updates a changed setting and resyncs, keeping the stored credential', async () => {
    h = await startFederationHarness();
    const realm = h.config.keycloak.realm;
    expect(
      (await h.run(ACTION, h.runbookInput(), { secrets: h.secrets })).error,
    ).toBeUndefined();
    const changed = await h.run(
      ACTION,
      h.runbookInput({ userSearchFilter: '(uid=nkili)' }),
      { secrets: h.secrets },
    );
    expect(changed.error).toBeUndefined();
    expect(changed.logs.join('\n')).toMatch(
      /user federation .*: updated \(customUserSearchFilter\)/,
    );
    const [component] = await h.keycloak.listComponents(realm, {
      type: USER_STORAGE,
    });
    expect(component.config.customUserSearchFilter).toEqual(['(uid=nkili)']);
    // The credential was kept (masked write): the stored one still binds.
    expect(changed.logs.join('\n')).not.toContain('bindCredential');
    expect(
      await h.keycloak.testLdapConnection(realm, {
        action: 'testAuthentication',
        connectionUrl: h.slapd.url,
        bindDn: RUNBOOK_DIRECTORY.adminDn,
        bindCredential: '**********',
        componentId: component.id,
      }),
    ).toEqual({ ok: true });
  });

  it('rewrites the bind credential only when the stored one no longer binds', async () => {
    h = await startFederationHarness();
    const svc = 'cn=svc-keycloak,dc=example,dc=com';
    await h.slapd.add(
      `dn: ${svc}\nobjectClass: person\ncn: svc-keycloak\nsn: svc\nuserPassword: first-secret\n`,
    );
    const input = h.runbookInput({ bindDn: svc });
    const first = await h.run(ACTION, input, {
      secrets: { bindCredential: 'first-secret' },
    });
    expect(first.error).toBeUndefined();
    // The directory's administrator rotates the password.
    await h.slapd.setPassword(svc, 'second-secret');
    const rotated = await h.run(ACTION, input, {
      secrets: { bindCredential: 'second-secret' },
    });
    expect(rotated.error).toBeUndefined();
    expect(rotated.logs.join('\n')).toMatch(
      /user federation .*: updated \(bindCredential\)/,
    );
    expect(rotated.logs.join('\n')).toContain(
      '0 users imported, 2 updated, 0 removed, 0 failed',
    );
    const writes = h.calls.filter(c => c.write).length;
    const again = await h.run(ACTION, input, {
      secrets: { bindCredential: 'second-secret' },
    });
    expect(again.error).toBeUndefined();
    expect(h.calls.filter(c => c.write).length).toBe(writes);
  });

  it('creates the realm when missing (as a master administrator) and refuses a foreign federation of the same name', async () => {
    h = await startFederationHarness({ masterAdmin: true });
    const result = await h.run(ACTION, h.runbookInput({ realm: 'corporate' }), {
      secrets: h.secrets,
    });
    expect(result.error).toBeUndefined();
    expect(result.logs.join('\n')).toContain(
      'Keycloak realm corporate: created',
    );
    expect(await h.keycloak.findRealm('corporate')).toMatchObject({
      realm: 'corporate',
    });
    const token = await tokenGroups(h, 'corporate', 'rspanakopita', '43214321');
    expect(token.groups).toEqual(['/developers']);

    await h.keycloak.createComponent('corporate', {
      name: 'hand-made',
      providerId: 'ldap',
      providerType: USER_STORAGE,
      config: { connectionUrl: [h.slapd.url] },
    });
    const foreign = await h.run(
      ACTION,
      h.runbookInput({ realm: 'corporate', name: 'hand-made' }),
      { secrets: h.secrets },
    );
    expect(foreign.error?.name).toBe('ConflictError');
    expect(foreign.error?.message).toContain('input.name');
  });

  it('never lets the bind credential into a log, output, checkpoint, error, gateway log or entity-bound config read', async () => {
    h = await startFederationHarness();
    const bindDn = 'cn=svc-keycloak,dc=example,dc=com';
    const secret = 'Leak-probe-7c1e-b1nd';
    const wrong = 'Leak-probe-wrong-44aa';
    await h.slapd.add(
      `dn: ${bindDn}\nobjectClass: person\ncn: svc-keycloak\nsn: svc\nuserPassword: ${secret}\n`,
    );
    const input = h.runbookInput({ bindDn });
    const texts: string[] = [];
    const haystack = (r: Awaited<ReturnType<Harness['run']>>) =>
      [
        ...r.logs,
        JSON.stringify(r.outputs),
        JSON.stringify([...r.checkpoints.entries()]),
        r.error ? `${r.error.message}\n${r.error.stack}` : '',
      ].join('\n');
    for (const [credential, dryRun] of [
      [wrong, false],
      [secret, true],
      [secret, false],
      [secret, false],
    ] as const) {
      const result = await h.run(ACTION, input, {
        dryRun,
        secrets: { bindCredential: credential },
      });
      texts.push(haystack(result));
    }
    // Keycloak down mid-run: the gateways log retries and the failure is persisted.
    h.sandbox.faults.add({
      match: { server: 'keycloak', path: '/sync' },
      errorRate: 1,
      status: 503,
      retryAfterSeconds: 0,
      times: 20,
    });
    texts.push(
      haystack(
        await h.run(ACTION, h.runbookInput({ bindDn, sync: 'always' }), {
          secrets: { bindCredential: secret },
        }),
      ),
    );
    h.sandbox.faults.clear();
    texts.push(...h.gatewayLogs);
    texts.push(
      JSON.stringify(
        await h.keycloak.listComponents(h.config.keycloak.realm, {}),
      ),
    );
    const all = texts.join('\n');
    expect(all).toContain(bindDn);
    expect(h.gatewayLogs.length).toBeGreaterThan(0);
    for (const value of [secret, wrong]) {
      for (const form of [
        value,
        Buffer.from(value).toString('base64'),
        JSON.stringify(value).slice(1, -1),
      ]) {
        expect(all).not.toContain(form);
      }
    }
  });
});
