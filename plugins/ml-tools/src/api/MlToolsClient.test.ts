import { ResponseError } from '@backstage/errors';
import { classifyMlToolsError } from './errors';
import { MlToolsClient } from './MlToolsClient';
import { createFakeClient, errorBody } from '../__testUtils__/fakeBackend';

const ref = { kind: 'Component', namespace: 'ml', name: 'mlflow-a' };

describe('MlToolsClient', () => {
  it('calls the backend routes shared with ml-tools-common', async () => {
    const health = {
      entityRef: 'component:ml/mlflow-a',
      status: 'ok',
      checks: [],
      fetchedAt: '2024-01-01T00:00:00Z',
    };
    const { client, requested } = createFakeClient({
      '/instances/component/ml/mlflow-a/health': { body: health },
      '/instances/component/ml/mlflow-a/access': {
        body: { entityRef: 'x', roles: [], membersVisible: false },
      },
      '/instances/component/ml/mlflow-a/links': {
        body: { entityRef: 'x', links: [] },
      },
      '/keycloak-clients/resource/ml/c': { body: { clientId: 'c' } },
      '/instances?tool=mlflow&health=error': { body: { items: [] } },
    });

    await expect(client.getInstanceHealth(ref)).resolves.toEqual(health);
    await client.getInstanceAccess(ref);
    await client.getInstanceLinks(ref);
    await client.getKeycloakClient({ ...ref, kind: 'Resource', name: 'c' });
    await client.listInstances({ tool: 'mlflow', health: 'error' });

    expect(requested).toEqual([
      '/instances/component/ml/mlflow-a/health',
      '/instances/component/ml/mlflow-a/access',
      '/instances/component/ml/mlflow-a/links',
      '/keycloak-clients/resource/ml/c',
      '/instances?tool=mlflow&health=error',
    ]);
  });

  it('posts orphan actions to one path segment per id, with the owner and dry run', async () => {
    const sent: Array<{ url: string; method?: string; body?: unknown }> = [];
    const client = new MlToolsClient({
      discoveryApi: { getBaseUrl: async id => `http://backend.test/api/${id}` },
      fetchApi: {
        fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
          sent.push({
            url: String(input),
            method: init?.method,
            body: init?.body ? JSON.parse(String(init.body)) : undefined,
          });
          return {
            ok: true,
            status: 200,
            json: async () => ({ changes: [] }),
          } as unknown as Response;
        },
      },
    });
    const release = {
      kind: 'release-without-entity' as const,
      id: 'sandbox/ml/board',
    };
    await client.actOnOrphan(release, 'adopt', { owner: 'group:default/ds' });
    await client.actOnOrphan(
      { kind: 'client-without-release', id: 'board' },
      'remove',
      { dryRun: true },
    );
    await client.listOrphans();
    expect(sent).toEqual([
      {
        url: 'http://backend.test/api/ml-tools/fleet/orphans/release-without-entity/sandbox%2Fml%2Fboard/adopt',
        method: 'POST',
        body: { owner: 'group:default/ds' },
      },
      {
        url: 'http://backend.test/api/ml-tools/fleet/orphans/client-without-release/board/remove?dryRun=true',
        method: 'POST',
        body: {},
      },
      {
        url: 'http://backend.test/api/ml-tools/fleet/orphans',
        method: undefined,
        body: undefined,
      },
    ]);
  });

  it.each([
    [errorBody('NotAllowedError', 'Denied', 403), 'denied'],
    [errorBody('NotFoundError', 'No such instance', 404), 'not-found'],
    [errorBody('Error', 'Kubernetes unreachable', 500), 'failed'],
  ] as const)(
    'turns a standard error body into a ResponseError (%#)',
    async (answer, kind) => {
      const { client } = createFakeClient({
        '/instances/component/ml/mlflow-a/health': answer,
      });
      const error = await client.getInstanceHealth(ref).catch(e => e);
      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(answer.status);
      expect(error.cause.message).toBe(answer.body.error.message);
      expect(classifyMlToolsError(error)).toBe(kind);
    },
  );

  it('classifies errors thrown directly by a custom client', () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(classifyMlToolsError(named('NotAllowedError'))).toBe('denied');
    expect(classifyMlToolsError(named('NotFoundError'))).toBe('not-found');
    expect(classifyMlToolsError(new Error('boom'))).toBe('failed');
    expect(classifyMlToolsError('boom')).toBe('failed');
  });
});
