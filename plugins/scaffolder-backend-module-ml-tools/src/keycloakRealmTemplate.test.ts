import {
  RUNBOOK_DIRECTORY,
  startSlapd,
  type Slapd,
} from '@ml-platform/sandbox';
import {
  groupEntity,
  keycloakAdminGet,
  PEOPLE,
  repoTemplate,
  startPortal,
} from './__testUtils__/portal';

jest.setTimeout(120_000);

const USER_STORAGE = 'org.keycloak.storage.UserStorageProvider';

/** Every way a secret could show up in text: raw, base64 and JSON-escaped. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret, 'utf8').toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

describe('the keycloak-realm template, from the portal, against a real OpenLDAP', () => {
  let slapd: Slapd;
  let portal: Awaited<ReturnType<typeof startPortal>>;

  // A service account of its own, with a password distinctive enough to search for.
  const bindDn = 'cn=svc-keycloak,dc=example,dc=com';
  const bindPassword = 'S3cr3t-LDAP-b1nd-9f27';

  beforeAll(async () => {
    slapd = await startSlapd();
    await slapd.add(
      `dn: ${bindDn}\nobjectClass: person\ncn: svc-keycloak\nsn: svc\nuserPassword: ${bindPassword}\n`,
    );
    portal = await startPortal({
      extraEntities: [
        repoTemplate('keycloak-realm'),
        groupEntity('platform-admins'),
      ],
    });
  });
  afterAll(async () => {
    await portal?.stop();
    await slapd?.stop();
  });

  // The form's Secret field puts the value in the task's secrets and leaves one '*'
  // per character in the values.
  const values = (secret: string) => ({
    bindCredential: '*'.repeat(secret.length),
    // Alice is a member of vision.
    owner: 'group:default/vision',
    name: 'corporate-ldap',
    vendor: 'openldap',
    connectionUrl: slapd.url,
    startTls: false,
    bindDn,
    usersDn: RUNBOOK_DIRECTORY.usersDn,
    searchScope: 'one',
    editMode: 'READ_ONLY',
    groupsDn: RUNBOOK_DIRECTORY.groupsDn,
    membershipAttribute: 'member',
    membershipAttributeType: 'DN',
    groupMode: 'READ_ONLY',
    sync: 'whenChanged',
  });
  const federations = async () =>
    (await (
      await keycloakAdminGet(portal.sandbox, `/components?type=${USER_STORAGE}`)
    ).json()) as Array<{ id: string; config: Record<string, string[]> }>;

  it('fails a wrong bind password naming the bind credential, saves nothing; the right one imports, re-runs write nothing, and the credential leaks nowhere', async () => {
    const wrongPassword = 'Wr0ng-b1nd-Passw0rd';
    const texts: string[] = [];

    const mark = portal.sandbox.log.mark();
    const refused = await portal.run(
      'keycloak-realm',
      values(wrongPassword),
      PEOPLE.alice,
      {
        bindCredential: wrongPassword,
      },
    );
    expect(refused.status).toBe('failed');
    expect(refused.log).toContain('secrets.bindCredential');
    expect(refused.log).toContain('AuthenticationFailure');
    texts.push(refused.raw!, refused.log);
    // Only Keycloak's tests ran: nothing was written.
    expect(
      portal
        .writesSince(mark)
        .filter(e => !e.path.endsWith('/testLDAPConnection')),
    ).toEqual([]);
    expect(await federations()).toEqual([]);

    const dry = await portal.dryRun(
      'keycloak-realm',
      values(bindPassword),
      PEOPLE.alice,
      { bindCredential: bindPassword },
    );
    expect(dry.status).toBe(200);
    texts.push(JSON.stringify(dry.body));
    expect(JSON.stringify(dry.body)).toContain('would create');
    expect(await federations()).toEqual([]);

    const done = await portal.run(
      'keycloak-realm',
      values(bindPassword),
      PEOPLE.alice,
      {
        bindCredential: bindPassword,
      },
    );
    expect(done.status).toBe('completed');
    expect(done.log).toContain('2 users imported');
    expect(done.log).toContain('2 groups imported');
    expect(done.output?.text).toBeDefined();
    texts.push(done.raw!, done.log);

    const [component] = await federations();
    expect(component.config.bindCredential).toEqual(['**********']);
    texts.push(JSON.stringify(await federations()));

    const again = portal.sandbox.log.mark();
    const rerun = await portal.run(
      'keycloak-realm',
      values(bindPassword),
      PEOPLE.alice,
      {
        bindCredential: bindPassword,
      },
    );
    expect(rerun.status).toBe('completed');
    texts.push(rerun.raw!, rerun.log);
    expect(
      portal
        .writesSince(again)
        .filter(e => !e.path.endsWith('/testLDAPConnection'))
        .map(e => `${e.method} ${e.path}`),
    ).toEqual([]);

    // Only the owner group's members (or holders of the manage permission) change it.
    const byBob = await portal.run(
      'keycloak-realm',
      values(bindPassword),
      PEOPLE.bob,
      {
        bindCredential: bindPassword,
      },
    );
    expect(byBob.status).toBe('failed');
    expect(byBob.log).toContain(
      'user:default/bob may not change ml-platform/corporate-ldap',
    );
    texts.push(byBob.raw!, byBob.log);
    const byPlatformTeam = await portal.run(
      'keycloak-realm',
      values(bindPassword),
      PEOPLE.pat,
      { bindCredential: bindPassword },
    );
    expect(byPlatformTeam.status).toBe('completed');
    texts.push(byPlatformTeam.raw!, byPlatformTeam.log);

    const all = texts.join('\n');
    expect(all).toContain(bindDn);
    for (const secret of [wrongPassword, bindPassword]) {
      expect(forms(secret).filter(n => all.includes(n))).toEqual([]);
    }
  });
});
