import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
} from '@backstage/plugin-permission-common';
import { ML_TOOLS_CATALOG_REFRESH_TOPIC } from '@ml-platform/plugin-ml-tools-common';
import express from 'express';
import request from 'supertest';
import { createRouter, type RouterOptions } from './router';
import type { FleetOrphanActions } from './service/FleetOrphanActions';
import { MlToolsService } from './service/MlToolsService';
import type {
  MlToolsClusterReads,
  MlToolsK8sObject,
  MlToolsKeycloakReads,
} from './service/readers';

const CLUSTER_TIMEOUT_MS = 300;

function instanceEntity(name: string, cluster = 'east'): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `${cluster}-ml-a-${name}`,
      namespace: 'default',
      title: `MLflow ${name}`,
      annotations: {
        'ml-platform.io/instance': `${cluster}/ml-a/${name}`,
        'ml-platform.io/tool': 'mlflow',
        'ml-platform.io/release': `HelmRelease/ml-a/${name}`,
        'ml-platform.io/keycloak-client': `kc.local:8180/ml/${name}`,
        'ml-platform.io/role-mappings': JSON.stringify({
          EDIT: ['/data-science/vision'],
          READ: ['/everyone'],
        }),
        'backstage.io/kubernetes-label-selector': `app.kubernetes.io/instance=${name}`,
        'backstage.io/kubernetes-namespace': 'ml-a',
      },
    },
    spec: {
      type: 'mlflow',
      lifecycle: 'production',
      owner: 'group:default/data-science',
    },
  };
}

const plainComponent: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'portal', namespace: 'default' },
  spec: { type: 'website', owner: 'group:default/web' },
};

/** Two clusters whose answers, delays and call counts the tests control. */
class FakeClusters implements MlToolsClusterReads {
  calls: string[] = [];
  /** Further ready releases each cluster lists (`mlflow-<i>`). */
  releases = 0;
  delayMs: Record<string, number> = {};
  hang = new Set<string>();
  clusterNames() {
    return ['east', 'west'];
  }
  private async answer<T>(cluster: string, what: string, value: T): Promise<T> {
    this.calls.push(`${cluster} ${what}`);
    if (this.hang.has(cluster)) return new Promise<T>(() => {});
    await new Promise(r => setTimeout(r, this.delayMs[cluster] ?? 5));
    return value;
  }
  async get(cluster: string, ref: { kind: string; name: string }) {
    if (ref.name.startsWith('gone-')) {
      return this.answer(cluster, `get ${ref.kind}`, undefined);
    }
    if (ref.kind === 'Deployment' || ref.kind === 'StatefulSet') {
      return this.answer<MlToolsK8sObject | undefined>(
        cluster,
        `get ${ref.kind}`,
        {
          kind: ref.kind,
          metadata: { name: ref.name },
          spec: { replicas: 1 },
          status: { readyReplicas: 1 },
        },
      );
    }
    return this.answer<MlToolsK8sObject | undefined>(
      cluster,
      `get ${ref.kind}`,
      {
        metadata: { name: ref.name },
        status: {
          conditions: [
            { type: 'Ready', status: 'True', message: 'Release reconciled' },
          ],
        },
      },
    );
  }
  async list(
    cluster: string,
    query: { kind: string; namespace?: string; labelSelector?: string },
  ) {
    const release = (name: string, ready: boolean): MlToolsK8sObject => ({
      kind: 'HelmRelease',
      metadata: { name, namespace: 'ml-a' },
      spec: {},
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'InstallSucceeded' : 'InstallFailed',
            message: ready ? 'Release reconciled' : 'values rejected',
          },
        ],
      },
    });
    const items: Record<string, MlToolsK8sObject[]> = {
      // The fleet view lists releases by the suite's label, whatever their number.
      HelmRelease: Array.from({ length: this.releases }, (_, i) =>
        release(`mlflow-${i}`, true),
      ).concat(
        cluster === 'east'
          ? [release('mlflow-a', true)]
          : [release('mlflow-b', false)],
      ),
      Deployment: [
        {
          kind: 'Deployment',
          metadata: { name: 'mlflow' },
          spec: { replicas: 1 },
          status: { readyReplicas: 1 },
        },
      ],
      StatefulSet: [
        {
          kind: 'StatefulSet',
          metadata: { name: 'postgres' },
          spec: { replicas: 1 },
          status: { readyReplicas: 0 },
        },
      ],
      Pod: [
        {
          metadata: { name: 'mlflow-0' },
          status: { containerStatuses: [{ restartCount: 2 }] },
        },
      ],
      Ingress: [
        {
          metadata: { name: 'mlflow' },
          spec: {
            rules: [{ host: 'mlflow.example.com' }],
            tls: [{ hosts: ['mlflow.example.com'] }],
          },
        },
      ],
    };
    // Lists of every namespace are the fleet view's; named apart from a namespace's.
    const what =
      query.namespace === undefined
        ? `list-all ${query.kind}`
        : `list ${query.kind}`;
    return this.answer(cluster, what, items[query.kind] ?? []);
  }
}

class FakeKeycloak implements MlToolsKeycloakReads {
  calls: string[] = [];
  async findClient(clientId: string) {
    this.calls.push(`client ${clientId}`);
    return {
      id: `uuid-${clientId}`,
      clientId,
      enabled: true,
      protocol: 'openid-connect',
      redirectUris: [`https://${clientId}.example.com/oauth2/callback`],
      defaultClientScopes: ['profile', `${clientId}-audience`],
      attributes: { 'ml-platform.io/instance': `east/ml-a/${clientId}` },
      secret: 'must-never-leak',
    };
  }
  async findClientScope(name: string) {
    this.calls.push(`scope ${name}`);
    return name.endsWith('-audience')
      ? {
          name,
          protocolMappers: [
            {
              protocolMapper: 'oidc-audience-mapper',
              config: { 'included.client.audience': 'mlflow-a' },
            },
          ],
        }
      : { name, protocolMappers: [] };
  }
  async findGroupByPath(path: string) {
    this.calls.push(`group ${path}`);
    return path === '/everyone' ? undefined : { id: `g-${path}` };
  }
  async listGroupMembers(groupId: string) {
    this.calls.push(`members ${groupId}`);
    return [
      { username: 'ada', email: 'ada@example.com' },
      { username: 'alan.turing' },
    ];
  }
  async listManagedClients() {
    this.calls.push('list clients');
    return [
      {
        id: 'uuid-a',
        clientId: 'mlflow-a',
        enabled: true,
      },
    ];
  }
  async checkOidcDiscovery() {
    this.calls.push('oidc');
    return { issuer: 'http://kc.local:8180/realms/ml' };
  }
}

/** Permission names a test denies, for any caller. */
let denied: Set<string>;
/**
 * Permission name → entity refs it is denied on: the policy answers these permissions
 * conditionally (as "owners only" would), so each entity is decided on its own.
 */
let conditional: Map<string, Set<string>>;

/** What a tool with accounts of its own, and no roles, says about access. */
const KEYCLOAK_ACCESS_NOTE =
  'Its administrators are the accounts of its own master realm.';

async function setup(
  entities: Entity[] = [instanceEntity('mlflow-a')],
  extra: Partial<RouterOptions> = {},
) {
  const clusters = new FakeClusters();
  const keycloak = new FakeKeycloak();
  const events = mockServices.events.mock();
  const permissions = mockServices.permissions.mock({
    authorize: async (requests: AuthorizePermissionRequest[]) =>
      requests.map(r => {
        const deniedOn = conditional.get(r.permission.name);
        const refused = deniedOn
          ? !r.resourceRef || deniedOn.has(r.resourceRef)
          : denied.has(r.permission.name);
        return {
          result: refused ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
        };
      }),
    authorizeConditional: async (
      requests: Array<{ permission: { name: string } }>,
    ) =>
      requests.map(r => {
        if (conditional.has(r.permission.name)) {
          return {
            result: AuthorizeResult.CONDITIONAL,
            pluginId: 'catalog',
            resourceType: 'catalog-entity',
            conditions: {
              rule: 'IS_ENTITY_OWNER',
              resourceType: 'catalog-entity',
              params: { claims: ['group:default/data-science'] },
            },
          };
        }
        return {
          result: denied.has(r.permission.name)
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
        };
      }),
  } as any);
  const service = new MlToolsService({
    config: {
      cacheTtlMs: 10_000,
      clusterTimeoutMs: CLUSTER_TIMEOUT_MS,
      keycloakTimeoutMs: CLUSTER_TIMEOUT_MS,
      serverConcurrency: 8,
      keycloak: {
        server: 'kc.local:8180',
        realm: 'ml',
        consoleBaseUrl: 'http://kc.local:8180',
      },
    },
    clusters,
    keycloak,
    logger: mockServices.logger.mock(),
    blueprint: tool =>
      ({
        mlflow: {
          title: 'MLflow',
          docsUrl: 'https://mlflow.org/docs/latest/',
          icon: 'experiment',
          category: 'experiment-tracking',
          roles: [
            { name: 'READ', description: 'View experiments' },
            { name: 'EDIT', description: 'Log runs' },
          ],
        },
        keycloak: {
          title: 'Keycloak server',
          accessNote: KEYCLOAK_ACCESS_NOTE,
        },
      }[tool]),
  });
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    permissions,
    catalog: catalogServiceMock({ entities: [...entities, plainComponent] }),
    service,
    events,
    logger: mockServices.logger.mock(),
    ...extra,
  });
  const app = express().use(router).use(mockErrorHandler());
  return { app, clusters, keycloak, events, service };
}

beforeEach(() => {
  denied = new Set();
  conditional = new Map();
});

const HEALTH = '/instances/component/default/east-ml-a-mlflow-a/health';

describe('GET /instances/:kind/:namespace/:name/health', () => {
  it('checks each workload the health annotation names, and only conditions of the blueprint kinds', async () => {
    const entity = instanceEntity('mlflow-a');
    entity.metadata.annotations!['ml-platform.io/health'] = JSON.stringify({
      workloads: [
        { kind: 'Deployment', name: 'mlflow-a' },
        { kind: 'StatefulSet', name: 'gone-db' },
      ],
      endpoints: ['/health'],
      conditions: [
        {
          title: 'Certificate',
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          name: 'mlflow-a-tls',
        },
      ],
    });
    const { app, clusters } = await setup([entity]);
    const res = await request(app).get(HEALTH);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.checks.map((c: any) => [c.id, c]));
    expect(byId.workloads).toMatchObject({
      status: 'error',
      reason: 'Missing: StatefulSet gone-db',
      details: { ready: 1, total: 2 },
    });
    expect(byId['condition:Certificate']).toMatchObject({ status: 'unknown' });
    // Named workloads are read one by one, not listed by selector; no Certificate read.
    expect(clusters.calls).not.toContain('east list Deployment');
    expect(clusters.calls).not.toContain('east get Certificate');
  });

  it('answers every check with a status and a reason', async () => {
    const { app } = await setup();
    const res = await request(app).get(HEALTH);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      entityRef: 'component:default/east-ml-a-mlflow-a',
      status: 'degraded',
      fetchedAt: expect.any(String),
    });
    const byId = Object.fromEntries(res.body.checks.map((c: any) => [c.id, c]));
    expect(byId.release).toMatchObject({
      status: 'ok',
      reason: 'Release reconciled',
    });
    expect(byId.workloads).toMatchObject({
      status: 'degraded',
      details: { ready: 1, total: 2 },
    });
    expect(byId.workloads.reason).toContain('StatefulSet postgres');
    expect(byId.pods).toMatchObject({ status: 'ok', details: { restarts: 2 } });
    expect(byId.ingress).toMatchObject({
      status: 'ok',
      details: { url: 'https://mlflow.example.com' },
    });
    expect(byId['keycloak-client']).toMatchObject({ status: 'ok' });
    expect(byId.oidc).toMatchObject({ status: 'ok' });
  });

  it('is 403 when the caller may not read health', async () => {
    denied.add('ml-tools.instance.health.read');
    const { app, clusters } = await setup();
    const res = await request(app).get(HEALTH);
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    expect(clusters.calls).toEqual([]);
  });

  it('is 404 for an unknown entity and for an entity that is not an instance', async () => {
    const { app } = await setup();
    const unknown = await request(app).get(
      '/instances/component/default/nope/health',
    );
    expect(unknown.status).toBe(404);
    const notOurs = await request(app).get(
      '/instances/component/default/portal/health',
    );
    expect(notOurs.status).toBe(404);
    expect(notOurs.body.error.message).toContain('not an ML tools instance');
  });

  it('turns a hanging cluster into unknown checks within the timeout, without stalling others', async () => {
    const { app, clusters } = await setup([
      instanceEntity('mlflow-a'),
      instanceEntity('mlflow-b', 'west'),
    ]);
    clusters.hang.add('east');
    const started = Date.now();
    const [slow, fast] = await Promise.all([
      request(app).get(HEALTH),
      request(app).get(
        '/instances/component/default/west-ml-a-mlflow-b/health',
      ),
    ]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(CLUSTER_TIMEOUT_MS + 200);
    expect(slow.status).toBe(200);
    const release = slow.body.checks.find((c: any) => c.id === 'release');
    expect(release).toEqual({
      id: 'release',
      title: 'Release',
      status: 'unknown',
      reason: `Cluster "east" did not answer within ${CLUSTER_TIMEOUT_MS} ms`,
    });
    // Keycloak answered, so its checks stay known.
    expect(slow.body.checks.find((c: any) => c.id === 'oidc').status).toBe(
      'ok',
    );
    expect(fast.body.checks.every((c: any) => c.status !== 'unknown')).toBe(
      true,
    );
  });

  it('shares one upstream fetch per check among concurrent requests and caches it', async () => {
    const { app, clusters, keycloak } = await setup();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => request(app).get(HEALTH)),
    );
    expect(responses.every(r => r.status === 200)).toBe(true);
    // The instance's own reads, then the fleet lists its drift comes from (shared with
    // the ML tools page).
    expect([...clusters.calls].sort()).toEqual([
      'east get HelmRelease',
      'east list Deployment',
      'east list Ingress',
      'east list Pod',
      'east list StatefulSet',
      'east list-all Application',
      'east list-all DaemonSet',
      'east list-all Deployment',
      'east list-all HelmRelease',
      'east list-all StatefulSet',
    ]);
    expect([...keycloak.calls].sort()).toEqual([
      'client mlflow-a',
      'list clients',
      'oidc',
    ]);
    await request(app).get(HEALTH).expect(200);
    expect(clusters.calls).toHaveLength(10);
  });
});

describe('GET /instances/:kind/:namespace/:name/access', () => {
  const ACCESS = '/instances/component/default/east-ml-a-mlflow-a/access';

  it('maps roles to groups, with member counts and member lists for allowed callers', async () => {
    const { app } = await setup();
    const res = await request(app).get(ACCESS);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      entityRef: 'component:default/east-ml-a-mlflow-a',
      membersVisible: true,
      roles: [
        {
          role: 'READ',
          description: 'View experiments',
          groups: [
            {
              path: '/everyone',
              entityRef: 'group:default/everyone',
              exists: false,
              memberCount: 0,
              members: [],
            },
          ],
        },
        {
          role: 'EDIT',
          description: 'Log runs',
          groups: [
            {
              path: '/data-science/vision',
              entityRef: 'group:default/vision',
              exists: true,
              memberCount: 2,
              members: [
                {
                  username: 'ada',
                  email: 'ada@example.com',
                  entityRef: 'user:default/ada',
                },
                {
                  username: 'alan.turing',
                  entityRef: 'user:default/alan.turing',
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('says how access works for a tool with no roles of the platform', async () => {
    const sso = instanceEntity('sso-a');
    const annotations = { ...sso.metadata.annotations! };
    delete annotations['ml-platform.io/keycloak-client'];
    delete annotations['ml-platform.io/role-mappings'];
    annotations['ml-platform.io/tool'] = 'keycloak';
    const { app } = await setup([
      {
        ...sso,
        metadata: { ...sso.metadata, annotations },
        spec: { ...sso.spec, type: 'keycloak' },
      },
    ]);
    const res = await request(app).get(
      '/instances/component/default/east-ml-a-sso-a/access',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      entityRef: 'component:default/east-ml-a-sso-a',
      membersVisible: true,
      roles: [],
      note: KEYCLOAK_ACCESS_NOTE,
    });
  });

  it('lists the users a tool grants a role directly, by name only to callers who may see members', async () => {
    const entity = instanceEntity('mlflow-a');
    entity.metadata.annotations!['ml-platform.io/role-users'] = JSON.stringify({
      EDIT: ['zoe@example.com', 'eve@example.com'],
    });
    const open = await request((await setup([entity])).app).get(ACCESS);
    expect(open.body.roles[1]).toMatchObject({
      role: 'EDIT',
      userCount: 2,
      users: ['eve@example.com', 'zoe@example.com'],
    });
    expect(open.body.roles[0].userCount).toBeUndefined();

    denied.add('ml-tools.instance.members.read');
    const hidden = await request((await setup([entity])).app).get(ACCESS);
    expect(hidden.body.roles[1].userCount).toBe(2);
    expect(hidden.body.roles[1].users).toBeUndefined();
    expect(JSON.stringify(hidden.body)).not.toContain('eve@');
  });

  it('gives counts but no names to callers who may not see members', async () => {
    denied.add('ml-tools.instance.members.read');
    const { app } = await setup();
    const res = await request(app).get(ACCESS);
    expect(res.status).toBe(200);
    expect(res.body.membersVisible).toBe(false);
    expect(res.body.roles[1].groups[0]).toEqual({
      path: '/data-science/vision',
      entityRef: 'group:default/vision',
      exists: true,
      memberCount: 2,
    });
    expect(JSON.stringify(res.body)).not.toContain('ada');
  });

  it('is 403 without the access permission', async () => {
    denied.add('ml-tools.instance.access.read');
    const { app } = await setup();
    expect((await request(app).get(ACCESS)).status).toBe(403);
  });
});

describe('GET /instances/:kind/:namespace/:name/links', () => {
  it('lists the live UI URL, the Keycloak console and the docs', async () => {
    const { app } = await setup();
    const res = await request(app).get(
      '/instances/component/default/east-ml-a-mlflow-a/links',
    );
    expect(res.status).toBe(200);
    expect(res.body.links).toEqual([
      {
        title: 'Open mlflow',
        url: 'https://mlflow.example.com',
        type: 'ui',
        icon: 'web',
      },
      {
        title: 'Keycloak client',
        url: 'http://kc.local:8180/admin/master/console/#/ml/clients/uuid-mlflow-a/settings',
        type: 'keycloak-console',
        icon: 'dashboard',
      },
      {
        title: 'MLflow documentation',
        url: 'https://mlflow.org/docs/latest/',
        type: 'docs',
        icon: 'docs',
      },
    ]);
  });
});

describe('GET /instances/:kind/:namespace/:name/links (deployed instance)', () => {
  it('shows the Keycloak console once when the catalog links already hold it', async () => {
    const consoleUrl =
      'http://kc.local:8180/admin/master/console/#/ml/clients/uuid-mlflow-a/settings';
    const entity = instanceEntity('mlflow-a');
    // What the deploy action records on the release, and the provider copies.
    entity.metadata.links = [
      { title: 'MLflow', url: 'https://mlflow.example.com/', type: 'ui' },
      {
        title: 'Keycloak client mlflow-a',
        url: consoleUrl,
        type: 'keycloak-console',
      },
    ];
    const { app } = await setup([entity]);
    const res = await request(app).get(
      '/instances/component/default/east-ml-a-mlflow-a/links',
    );
    expect(res.status).toBe(200);
    expect(
      res.body.links.map((l: { title: string; url: string }) => l.title),
    ).toEqual(['MLflow', 'Keycloak client mlflow-a', 'MLflow documentation']);
  });
});

describe('GET /keycloak-clients/:kind/:namespace/:name', () => {
  it('summarises the client, with its audience and never its secret', async () => {
    const { app } = await setup();
    const res = await request(app).get(
      '/keycloak-clients/component/default/east-ml-a-mlflow-a',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      clientId: 'mlflow-a',
      enabled: true,
      protocol: 'openid-connect',
      publicClient: false,
      redirectUris: ['https://mlflow-a.example.com/oauth2/callback'],
      defaultClientScopes: ['profile', 'mlflow-a-audience'],
      audience: 'mlflow-a',
      instanceRef: 'east/ml-a/mlflow-a',
      consoleUrl:
        'http://kc.local:8180/admin/master/console/#/ml/clients/uuid-mlflow-a/settings',
    });
    expect(JSON.stringify(res.body)).not.toContain('must-never-leak');
  });

  it('is 404 for an entity without a client of the configured realm', async () => {
    const { app } = await setup();
    const res = await request(app).get(
      '/keycloak-clients/component/default/portal',
    );
    expect(res.status).toBe(404);
  });
});

describe('GET /instances', () => {
  it('lists instances from the catalog with filters, and health from the fleet lists', async () => {
    const { app, clusters, keycloak } = await setup([
      instanceEntity('mlflow-a'),
      instanceEntity('mlflow-b', 'west'),
    ]);
    const first = await request(app).get('/instances');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      {
        entityRef: 'component:default/east-ml-a-mlflow-a',
        title: 'MLflow mlflow-a',
        tool: 'mlflow',
        icon: 'experiment',
        category: 'experiment-tracking',
        owner: 'group:default/data-science',
        namespace: 'ml-a',
        cluster: 'east',
        health: 'ok',
        drift: [],
      },
      expect.objectContaining({
        entityRef: 'component:default/west-ml-a-mlflow-b',
        // Its release failed and its client is gone.
        health: 'error',
        drift: [
          {
            kind: 'client-missing',
            message: 'Keycloak client mlflow-b is gone: nobody can sign in.',
          },
        ],
      }),
    ]);
    // One list per release kind and per workload kind on each cluster, one client list.
    expect([...clusters.calls].sort()).toEqual(
      ['east', 'west']
        .flatMap(c =>
          [
            'Application',
            'HelmRelease',
            'DaemonSet',
            'Deployment',
            'StatefulSet',
          ].map(k => `${c} list-all ${k}`),
        )
        .sort(),
    );
    expect(keycloak.calls).toEqual(['list clients']);

    const filtered = await request(app).get('/instances?health=error');
    expect(filtered.body.items.map((i: any) => i.entityRef)).toEqual([
      'component:default/west-ml-a-mlflow-b',
    ]);
    expect(
      (await request(app).get('/instances?health=ok')).body.items,
    ).toHaveLength(1);

    const byOwner = await request(app).get('/instances?owner=someone-else');
    expect(byOwner.body.items).toEqual([]);
    const byTool = await request(app).get(
      '/instances?tool=mlflow&owner=data-science',
    );
    expect(byTool.body.items).toHaveLength(2);
    // Every look above came from the same lists, still cached.
    expect(clusters.calls).toHaveLength(10);
    expect(keycloak.calls).toHaveLength(1);
  });

  it('costs the same upstream calls for 2 instances as for 200', async () => {
    const callsFor = async (count: number) => {
      const entities = Array.from({ length: count }, (_, i) =>
        instanceEntity(`mlflow-${i}`, i % 2 ? 'west' : 'east'),
      );
      const { app, clusters, keycloak } = await setup(entities);
      clusters.releases = count;
      const res = await request(app).get('/instances');
      expect(res.body.items).toHaveLength(count);
      // Every instance's release is in the lists: none is reported missing.
      const known = res.body.items.filter(
        (i: any) => i.health !== 'unknown',
      ).length;
      expect(known).toBe(count);
      return clusters.calls.length + keycloak.calls.length;
    };
    const small = await callsFor(2);
    expect(small).toBe(11);
    expect(await callsFor(200)).toBe(small);
  });

  it('shows health only on the instances the caller may read it on', async () => {
    const entities = [
      instanceEntity('mlflow-a'),
      instanceEntity('mlflow-b', 'west'),
    ];
    const healthOf = async (app: express.Express) =>
      Object.fromEntries(
        (await request(app).get('/instances')).body.items.map((i: any) => [
          i.entityRef,
          { health: i.health, drift: i.drift },
        ]),
      );

    // Decided per instance: the policy's answer depends on the entity.
    conditional = new Map([
      [
        'ml-tools.instance.health.read',
        new Set(['component:default/west-ml-a-mlflow-b']),
      ],
    ]);
    const { app } = await setup(entities);
    expect(await healthOf(app)).toEqual({
      'component:default/east-ml-a-mlflow-a': { health: 'ok', drift: [] },
      'component:default/west-ml-a-mlflow-b': { health: 'unknown' },
    });

    // Decided once for all: refused everywhere, yet every instance still listed.
    conditional = new Map();
    denied.add('ml-tools.instance.health.read');
    expect(await healthOf(app)).toEqual({
      'component:default/east-ml-a-mlflow-a': { health: 'unknown' },
      'component:default/west-ml-a-mlflow-b': { health: 'unknown' },
    });
  });

  it('follows an entity that changed between two pages, from the same cached lists', async () => {
    const entity = instanceEntity('mlflow-a');
    const { app, clusters } = await setup([entity]);
    const first = await request(app).get('/instances');
    expect(first.body.items[0]).toMatchObject({ health: 'ok', drift: [] });
    const calls = clusters.calls.length;

    // The catalog now says the instance runs another release, one the cluster lacks.
    entity.metadata.annotations!['ml-platform.io/release'] =
      'HelmRelease/ml-a/renamed';
    const second = await request(app).get('/instances');
    expect(second.body.items[0].drift).toEqual([
      expect.objectContaining({ kind: 'release-missing' }),
    ]);
    expect(clusters.calls).toHaveLength(calls);

    // A new title and owner show at once too.
    entity.metadata.title = 'Tracking server';
    entity.spec!.owner = 'group:default/vision';
    const third = await request(app).get('/instances');
    expect(third.body.items[0]).toMatchObject({
      title: 'Tracking server',
      owner: 'group:default/vision',
    });
  });

  it('refuses the fleet orphans to callers without the fleet manage permission', async () => {
    denied = new Set(['ml-tools.fleet.manage']);
    const { app } = await setup();
    const res = await request(app).get('/fleet/orphans');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('ml-tools.fleet.manage');
  });

  it('rejects an unknown health filter with 400', async () => {
    const { app } = await setup();
    const res = await request(app).get('/instances?health=great');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('health must be one of');
  });
});

describe('POST /refresh', () => {
  it('publishes the catalog refresh event for service callers', async () => {
    const { app, events } = await setup();
    const res = await request(app)
      .post('/refresh')
      .set('Authorization', mockCredentials.service.header())
      .send({ cluster: 'west', instanceRef: 'west/ml-a/mlflow-b' });
    expect(res.status).toBe(202);
    expect(events.publish).toHaveBeenCalledWith({
      topic: ML_TOOLS_CATALOG_REFRESH_TOPIC,
      eventPayload: { cluster: 'west', instanceRef: 'west/ml-a/mlflow-b' },
    });
  });

  it('refuses users and unknown clusters', async () => {
    const { app, events } = await setup();
    const asUser = await request(app)
      .post('/refresh')
      .set('Authorization', mockCredentials.user.header())
      .send({});
    expect(asUser.status).toBe(403);
    const badCluster = await request(app)
      .post('/refresh')
      .set('Authorization', mockCredentials.service.header())
      .send({ cluster: 'moon' });
    expect(badCluster.status).toBe(400);
    expect(events.publish).not.toHaveBeenCalled();
  });
});

describe('POST /fleet/orphans/:kind/:id/:action', () => {
  /** Orphan actions that record what they were asked, and must not be reached. */
  function recordingActions() {
    const calls: string[] = [];
    const actions = {
      remove: async (o: { id: string }) => {
        calls.push(`remove ${o.id}`);
        throw new Error('not expected');
      },
      adopt: async (o: { id: string }) => {
        calls.push(`adopt ${o.id}`);
        throw new Error('not expected');
      },
    } as unknown as FleetOrphanActions;
    return { calls, actions };
  }

  it.each(['remove', 'adopt'])(
    'refuses to %s without the fleet manage permission',
    async action => {
      denied = new Set(['ml-tools.fleet.manage']);
      const { calls, actions } = recordingActions();
      const { app } = await setup(undefined, { orphanActions: actions });
      const res = await request(app)
        .post(
          `/fleet/orphans/release-without-entity/${encodeURIComponent(
            'east/ml-a/gone',
          )}/${action}`,
        )
        .send({ owner: 'group:default/team' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('ml-tools.fleet.manage');
      expect(calls).toEqual([]);
    },
  );

  it.each([
    ['/fleet/orphans/stray-pod/x/remove', 'kind must be one of'],
    ['/fleet/orphans/client-without-release/x/burn', 'action must be one of'],
    [
      '/fleet/orphans/client-without-release/x/remove?dryRun=maybe',
      'dryRun must be true or false',
    ],
    [
      '/fleet/orphans/client-without-release/x/adopt',
      'adopt applies to release-without-entity orphans only',
    ],
  ])('answers 400 naming the field for %s', async (path, message) => {
    const { calls, actions } = recordingActions();
    const { app } = await setup(undefined, { orphanActions: actions });
    const res = await request(app).post(path).send({});
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(message);
    expect(calls).toEqual([]);
  });

  it('answers 400 naming owner when an adoption names none, or no Group or User', async () => {
    const { calls, actions } = recordingActions();
    const { app } = await setup(undefined, { orphanActions: actions });
    const path = `/fleet/orphans/release-without-entity/${encodeURIComponent(
      'east/ml-a/gone',
    )}/adopt`;
    const none = await request(app).post(path).send({});
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/^owner is required/);
    const component = await request(app)
      .post(path)
      .send({ owner: 'component:default/x' });
    expect(component.status).toBe(400);
    expect(component.body.error.message).toContain(
      'owner must be a Group or a User',
    );
    const missing = await request(app)
      .post(path)
      .send({ owner: 'group:default/nobody' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('group:default/nobody');
    expect(calls).toEqual([]);
  });

  it('answers 404 for what is not an orphan now, without acting', async () => {
    const { calls, actions } = recordingActions();
    const { app } = await setup(undefined, { orphanActions: actions });
    const res = await request(app).post(
      '/fleet/orphans/client-without-release/not-an-orphan/remove',
    );
    expect(res.status).toBe(404);
    expect(calls).toEqual([]);
  });

  it('answers 404 when this backend has no orphan actions', async () => {
    const { app } = await setup();
    const res = await request(app).post(
      '/fleet/orphans/client-without-release/x/remove',
    );
    expect(res.status).toBe(404);
  });
});
