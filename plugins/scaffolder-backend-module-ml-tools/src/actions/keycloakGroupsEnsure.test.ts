import { KEYCLOAK_ATTRIBUTES } from '@ml-platform/plugin-ml-tools-common';
import { startHarness, writesSince } from '../__testUtils__/harness';

jest.setTimeout(60_000);

const base = {
  namespace: 'ml-vision',
  name: 'airflow-a',
  tool: 'airflow',
  owner: 'group:default/vision',
};
const roles = [
  { name: 'Admin', description: 'Administer' },
  { name: 'Op', description: 'Operate' },
  { name: 'User', description: 'Use' },
  { name: 'Viewer', description: 'View' },
];

describe('keycloak:groups:ensure', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness();
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-vision' },
    });
    const client = await h.run('keycloak:client:ensure', {
      ...base,
      rootUrl: 'https://airflow-a.sandbox.local',
      redirectUris: [
        'https://airflow-a.sandbox.local/oauth-authorized/keycloak',
      ],
    });
    if (client.error) throw client.error;
  });
  afterAll(() => h.stop());

  it('creates roles and missing groups, maps them, and writes nothing on a re-run', async () => {
    const input = {
      ...base,
      roles,
      roleMappings: {
        Admin: ['group:default/airflow-admins'],
        Op: ['/ops/airflow'],
        Viewer: ['data-scientists', 'group:default/vision'],
      },
    };
    const result = await h.run('keycloak:groups:ensure', input);
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({
      roles: ['Admin', 'Op', 'User', 'Viewer'],
      groups: [
        '/airflow-admins',
        '/data-scientists',
        '/data-scientists/vision',
        '/ops/airflow',
      ],
      roleMappings: {
        Admin: ['/airflow-admins'],
        Op: ['/ops/airflow'],
        User: [],
        Viewer: ['/data-scientists', '/data-scientists/vision'],
      },
    });
    const client = (await h.keycloak.findClientByClientId('airflow-a'))!;
    const ops = (await h.keycloak.findGroupByPath('/ops/airflow'))!;
    expect(ops.attributes?.[KEYCLOAK_ATTRIBUTES.createdFor]).toEqual([
      'sandbox/ml-vision/airflow-a',
    ]);
    expect(
      (await h.keycloak.listGroupClientRoleMappings(ops.id!, client.id!)).map(
        r => r.name,
      ),
    ).toEqual(['Op']);

    // group:default/vision is the seeded /data-scientists/vision: used, not created.
    expect(await h.keycloak.findGroupByPath('/vision')).toBeUndefined();
    const vision = (await h.keycloak.findGroupByPath(
      '/data-scientists/vision',
    ))!;
    expect(vision.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy]).toBeUndefined();
    expect(
      (
        await h.keycloak.listGroupClientRoleMappings(vision.id!, client.id!)
      ).map(r => r.name),
    ).toEqual(['Viewer']);
    // A name no group has yet is still created at the top level, marked as ours.
    const admins = (await h.keycloak.findGroupByPath('/airflow-admins'))!;
    expect(admins.attributes?.[KEYCLOAK_ATTRIBUTES.createdFor]).toEqual([
      'sandbox/ml-vision/airflow-a',
    ]);

    const mark = h.sandbox.log.mark();
    const again = await h.run('keycloak:groups:ensure', input);
    expect(again.outputs).toEqual(result.outputs);
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
  });

  it('refuses a group name found at two places in the tree, before any write', async () => {
    for (const parent of ['/data-scientists', '/ml-platform-team']) {
      const { id } = (await h.keycloak.findGroupByPath(parent))!;
      await h.keycloak.createGroup({ name: 'reviewers' }, id);
    }
    const mark = h.sandbox.log.mark();
    const result = await h.run('keycloak:groups:ensure', {
      ...base,
      roles,
      roleMappings: { Viewer: ['group:default/reviewers'] },
    });
    expect(result.error?.name).toBe('InputError');
    expect(result.error?.message).toMatch(/roleMappings\.Viewer/);
    expect(result.error?.message).toContain(
      '/data-scientists/reviewers, /ml-platform-team/reviewers',
    );
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);

    // A path picks one of them.
    const picked = await h.run('keycloak:groups:ensure', {
      ...base,
      roles,
      roleMappings: { Viewer: ['/ml-platform-team/reviewers'] },
    });
    expect(picked.error).toBeUndefined();
    expect(picked.outputs.groups).toEqual(['/ml-platform-team/reviewers']);
  });

  it('keeps a name and a same-named path in one mapping apart, run after run', async () => {
    // The first run creates /analysts/vision; a name must not then match it and make the
    // re-run ambiguous.
    const input = {
      ...base,
      roles,
      roleMappings: {
        Viewer: ['group:default/vision'],
        Admin: ['/analysts/vision'],
      },
    };
    const first = await h.run('keycloak:groups:ensure', input);
    expect(first.error).toBeUndefined();
    expect(first.outputs.roleMappings).toEqual(
      expect.objectContaining({
        Viewer: ['/data-scientists/vision'],
        Admin: ['/analysts/vision'],
      }),
    );
    const mark = h.sandbox.log.mark();
    const again = await h.run('keycloak:groups:ensure', input);
    expect(again.error).toBeUndefined();
    expect(again.outputs).toEqual(first.outputs);
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
  });

  it('needs the client to exist first', async () => {
    const result = await h.run('keycloak:groups:ensure', {
      ...base,
      name: 'nobody',
      roles,
    });
    expect(result.error?.name).toBe('NotFoundError');
    expect(result.error?.message).toMatch(
      /input\.clientId: Keycloak client "nobody" does not exist/,
    );
  });

  it('refuses role mappings of roles the tool does not have', async () => {
    const mark = h.sandbox.log.mark();
    const result = await h.run('keycloak:groups:ensure', {
      ...base,
      roles,
      roleMappings: { Root: ['x'] },
    });
    expect(result.error?.message).toMatch(
      /input\.roleMappings\.Root is not a role/,
    );
    expect(h.sandbox.log.count({ since: mark })).toBe(0);
  });
});
