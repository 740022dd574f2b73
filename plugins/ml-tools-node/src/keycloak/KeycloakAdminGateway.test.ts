import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { fastRetry, keycloakConfig } from '../__testUtils__/sandbox';
import { KeycloakAdminGateway } from './KeycloakAdminGateway';

jest.setTimeout(60_000);

describe('KeycloakAdminGateway', () => {
  let sandbox: Sandbox;
  let gw: KeycloakAdminGateway;
  const logins = () =>
    sandbox.log
      .entries({ server: 'keycloak' })
      .filter(e => e.path.endsWith('/openid-connect/token')).length;

  beforeAll(async () => {
    sandbox = await startSandbox();
    gw = new KeycloakAdminGateway({
      config: keycloakConfig(sandbox),
      retry: fastRetry,
    });
  });
  afterAll(() => sandbox.stop());

  it('logs in with client credentials once for concurrent first calls', async () => {
    const results = await Promise.all([
      gw.findClientByClientId('backstage'),
      gw.findGroupByPath('/data-scientists'),
      gw.findGroupByPath('/nope'),
    ]);
    expect(results[0]?.clientId).toBe('backstage');
    // The admin API returns the secret with the client: the gateway drops it.
    expect(results[0]).not.toHaveProperty('secret');
    expect(results[1]?.path).toBe('/data-scientists');
    expect(results[2]).toBeUndefined();
    expect(logins()).toBe(1);
    expect(gw.loginCount).toBe(1);
  });

  it('re-logs in once when the token is refused, shared by concurrent callers', async () => {
    const before = logins();
    sandbox.keycloak!.simulator.expireTokens();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => gw.findGroupByPath('/data-scientists')),
    );
    expect(results.every(g => g?.path === '/data-scientists')).toBe(true);
    expect(logins() - before).toBe(1);
  });

  it("honours a 429's Retry-After", async () => {
    const patient = new KeycloakAdminGateway({
      config: keycloakConfig(sandbox),
    });
    await patient.findClientByClientId('backstage');
    sandbox.faults.add({
      match: { server: 'keycloak', method: 'GET', path: '/clients' },
      errorRate: 1,
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    const started = Date.now();
    expect(await patient.findClientByClientId('backstage')).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries reads and idempotent writes on bursts of 5xx, bounded', async () => {
    sandbox.faults.add({
      match: { server: 'keycloak', path: '/group-by-path' },
      errorRate: 1,
      status: 503,
      times: 4,
    });
    expect(await gw.findGroupByPath('/data-scientists')).toBeDefined();
    sandbox.faults.add({
      match: { server: 'keycloak', path: '/group-by-path' },
      errorRate: 1,
      status: 500,
    });
    try {
      await expect(
        gw.findGroupByPath('/data-scientists'),
      ).rejects.toMatchObject({ name: 'UpstreamError' });
    } finally {
      sandbox.faults.clear();
    }
  });

  it('retries a create after a 5xx only once it knows the object is absent, so nothing is created twice', async () => {
    sandbox.faults.add({
      match: { server: 'keycloak', method: 'POST', path: '/groups' },
      errorRate: 1,
      status: 502,
      times: 2,
    });
    const id = await gw.createGroup({ name: 'flaky', path: '/flaky' });
    expect((await gw.findGroupByPath('/flaky'))?.id).toBe(id);
    const posts = sandbox.log.entries({
      server: 'keycloak',
      method: 'POST',
      path: /\/groups\/?$/,
    });
    expect(posts.filter(e => e.status === 201)).toHaveLength(1);
  });

  it('translates refusals into Backstage errors', async () => {
    await gw.createGroup({ name: 'twice', path: '/twice' });
    await expect(gw.createGroup({ name: 'twice' })).rejects.toMatchObject({
      name: 'ConflictError',
    });
    const wrong = new KeycloakAdminGateway({
      config: { ...keycloakConfig(sandbox), clientSecret: 'wrong' },
      retry: fastRetry,
    });
    await expect(wrong.findClientByClientId('backstage')).rejects.toMatchObject(
      { name: 'NotAllowedError' },
    );
  });

  it('serves the catalog and route reads on the same login: clients by attribute, OIDC discovery', async () => {
    const loginsBefore = gw.loginCount;
    const attributes = { 'ml-platform.io/instance': 'east/ml-a/mlflow-a' };
    for (const clientId of ['ours-1', 'ours-2', 'theirs']) {
      await gw.createClient({
        clientId,
        publicClient: false,
        attributes:
          clientId === 'theirs'
            ? { 'ml-platform.io/instance': 'someone-else' }
            : attributes,
      });
    }
    const ours = await gw.listClientsByAttribute(
      'ml-platform.io/instance',
      'east/ml-a/mlflow-a',
      { pageSize: 2 },
    );
    expect(ours.map(c => c.clientId).sort()).toEqual(['ours-1', 'ours-2']);
    // The same rule as every other read: no secret leaves the gateway.
    expect(ours.every(c => !('secret' in c))).toBe(true);
    expect(await gw.fetchOidcDiscovery()).toEqual({
      issuer: `${sandbox.keycloak!.url}/realms/ml-platform`,
    });
    expect(gw.loginCount).toBe(loginsBefore);
  });

  it('aborts a hanging read at its signal and closes its socket', async () => {
    // The first abort loads the HTTP client's abort path; timings below are the gateway's.
    sandbox.faults.add({
      match: { server: 'keycloak', path: '/warm-up$' },
      hang: true,
    });
    await gw
      .findGroupByPath('/warm-up', { signal: AbortSignal.timeout(50) })
      .catch(() => undefined);
    await gw.findClientByClientId('backstage');
    sandbox.faults.clear();

    const reads: Array<[string, (signal: AbortSignal) => Promise<unknown>]> = [
      [
        '/clients/?$',
        signal => gw.findClientByClientId('backstage', { signal }),
      ],
      [
        '/group-by-path/',
        signal => gw.findGroupByPath('/data-scientists', { signal }),
      ],
      ['/openid-configuration$', signal => gw.fetchOidcDiscovery({ signal })],
    ];
    try {
      for (const [path, read] of reads) {
        sandbox.faults.add({ match: { server: 'keycloak', path }, hang: true });
        const mark = sandbox.log.mark();
        const started = Date.now();
        await expect(read(AbortSignal.timeout(200))).rejects.toMatchObject({
          name: 'TimeoutError',
        });
        expect(Date.now() - started).toBeLessThan(300);
        await new Promise(resolve => setTimeout(resolve, 1000));
        // The sandbox logs a hung request when its connection closes, with status 0.
        const closed = sandbox.log.entries({ since: mark, server: 'keycloak' });
        expect(closed.map(e => e.status)).toEqual([0]);
        expect(closed[0].durationMs).toBeLessThan(500);
        sandbox.faults.clear();
      }
    } finally {
      sandbox.faults.clear();
    }
  });

  it('reads what the catalog side needs: clients, groups by path, members, role mappings', async () => {
    const group = (await gw.findGroupByPath('/data-scientists/vision'))!;
    const members = await gw.listGroupMembers(group.id!, { max: 10 });
    expect(members.map(m => m.username)).toContain('bob');
    const mappings = await gw.listGroupRoleMappings(group.id!);
    expect(mappings).toEqual({
      realmMappings: expect.any(Array),
      clientMappings: expect.any(Object),
    });
    expect(gw.clientConsoleUrl('abc')).toBe(
      `${
        sandbox.keycloak!.url
      }/admin/master/console/#/ml-platform/clients/abc/settings`,
    );
  });

  it('lists the client roles of every group, nested ones by full path, in one call', async () => {
    const clientUuid = await gw.createClient({
      clientId: 'gw-role-export',
      attributes: {},
    });
    await gw.createClientRole(clientUuid, {
      name: 'viewer',
      description: 'Reads',
    });
    const viewer = (await gw.listClientRoles(clientUuid)).find(
      r => r.name === 'viewer',
    )!;
    const group = (await gw.findGroupByPath('/data-scientists/vision'))!;
    await gw.addGroupClientRoleMappings(group.id!, clientUuid, [viewer]);
    const before = sandbox.log.mark();
    const groups = await gw.listAllGroupClientRoles();
    expect(
      sandbox.log
        .entries({ server: 'keycloak', since: before })
        .filter(e => !e.path.includes('/token')),
    ).toHaveLength(1);
    expect(groups).toContainEqual({
      path: '/data-scientists/vision',
      clientRoles: { 'gw-role-export': ['viewer'] },
    });
    expect(groups.map(g => g.path)).toContain('/data-scientists');
    await gw.deleteClient(clientUuid);
  });
});
