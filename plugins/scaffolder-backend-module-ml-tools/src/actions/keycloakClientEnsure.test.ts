import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import { startHarness, writesSince } from '../__testUtils__/harness';

jest.setTimeout(60_000);

const input = {
  namespace: 'ml-vision',
  name: 'minio-a',
  tool: 'minio',
  owner: 'group:default/vision',
  rootUrl: 'https://minio-a.sandbox.local',
  redirectUris: [
    'https://minio-a.sandbox.local/oauth_callback',
    'http://localhost:9001/cb',
  ],
  protocolMappers: [
    {
      name: 'policy',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: {
        'claim.name': 'policy',
        'claim.value': 'readwrite',
        'access.token.claim': 'true',
      },
    },
  ],
};

describe('keycloak:client:ensure', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness();
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-vision' },
    });
  });
  afterAll(() => h.stop());

  it('creates the client, its audience scope and mappers, and writes its secret into a Secret', async () => {
    const result = await h.run('keycloak:client:ensure', input);
    expect(result.error).toBeUndefined();
    const client = (await h.keycloak.findClientByClientId('minio-a'))!;
    expect(result.outputs).toEqual({
      clientId: 'minio-a',
      clientUuid: client.id,
      secretName: 'minio-a-oidc',
    });
    expect(client.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy]).toBe(
      ML_PLATFORM_MANAGER,
    );
    expect(client.redirectUris?.sort()).toEqual([
      'http://localhost:9001/cb',
      'https://minio-a.sandbox.local/oauth_callback',
    ]);
    expect(client.protocolMappers?.map(m => m.name).sort()).toEqual([
      'groups',
      'policy',
    ]);
    expect(client.defaultClientScopes).toContain('minio-a-audience');
    const secret = h.cluster.simulator.get(
      'v1',
      'Secret',
      'minio-a-oidc',
      'ml-vision',
    )!;
    expect(
      Buffer.from((secret.data as any)['client-secret'], 'base64').toString(),
    ).toBe(await h.keycloak.getClientSecret(client.id!));

    const mark = h.sandbox.log.mark();
    const again = await h.run('keycloak:client:ensure', input);
    expect(again.outputs).toEqual(result.outputs);
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
    expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
  });

  it('updates only what drifted', async () => {
    const client = (await h.keycloak.findClientByClientId('minio-a'))!;
    await h.keycloak.updateClient(client.id!, {
      ...client,
      redirectUris: ['https://evil.example.com/cb'],
    });
    const mark = h.sandbox.log.mark();
    expect(
      (await h.run('keycloak:client:ensure', input)).error,
    ).toBeUndefined();
    expect(writesSince(h.sandbox, 'keycloak', mark).map(e => e.method)).toEqual(
      ['PUT'],
    );
    expect(
      (await h.keycloak.findClientByClientId('minio-a'))!.redirectUris?.sort(),
    ).toEqual(input.redirectUris.slice().sort());
  });

  it('adopts only its own client: a clientId owned by someone else is a conflict naming it', async () => {
    await h.keycloak.createClient({ clientId: 'handmade', enabled: true });
    const mark = h.sandbox.log.mark();
    const result = await h.run('keycloak:client:ensure', {
      ...input,
      clientId: 'handmade',
    });
    expect(result.error?.name).toBe('ConflictError');
    expect(result.error?.message).toMatch(
      /Keycloak client "handmade".*not managed by ml-platform-backstage/,
    );
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
    expect(h.sandbox.log.count({ server: 'kubernetes', since: mark })).toBe(0);
  });

  it('refuses a client of another instance', async () => {
    const result = await h.run('keycloak:client:ensure', {
      ...input,
      name: 'minio-b',
      clientId: 'minio-a',
    });
    expect(result.error?.name).toBe('ConflictError');
    expect(result.error?.message).toMatch(
      /belongs to instance "sandbox\/ml-vision\/minio-a"/,
    );
  });

  it('makes public clients without a secret', async () => {
    const result = await h.run('keycloak:client:ensure', {
      ...input,
      name: 'pub-a',
      clientType: 'public',
    });
    expect(result.error).toBeUndefined();
    expect(result.outputs.secretName).toBeUndefined();
    expect((await h.keycloak.findClientByClientId('pub-a'))?.publicClient).toBe(
      true,
    );
    expect(
      h.cluster.simulator.get('v1', 'Secret', 'pub-a-oidc', 'ml-vision'),
    ).toBeUndefined();
  });

  it.each([
    ['*', /contains a wildcard/],
    ['https://a.example.com/*', /contains a wildcard/],
    ['http://a.example.com/cb', /plain http to a host other than localhost/],
    ['/relative', /not an absolute URL/],
    ['ftp://a.example.com/cb', /must use https/],
  ])('refuses the redirect URI %s', async (uri, message) => {
    const mark = h.sandbox.log.mark();
    const result = await h.run('keycloak:client:ensure', {
      ...input,
      redirectUris: [uri],
    });
    expect(result.error?.name).toBe('InputError');
    expect(result.error?.message).toMatch(/input\.redirectUris\[0\]/);
    expect(result.error?.message).toMatch(message);
    expect(h.sandbox.log.count({ since: mark })).toBe(0);
  });
});
