import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
} from '@backstage/plugin-permission-common';
import {
  KeycloakAdminGateway,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import { mlToolsPlugin } from './plugin';

jest.setTimeout(30_000);

const CLUSTER_TIMEOUT_MS = 1500;

function helmRelease(name: string) {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: {
      name,
      namespace: 'ml-a',
      labels: {
        'app.kubernetes.io/managed-by': 'ml-platform-backstage',
        'ml-platform.io/instance': name,
        'ml-platform.io/tool': 'mlflow',
        'ml-platform.io/owner': 'data-scientists',
      },
    },
    spec: {
      interval: '10m',
      chart: {
        spec: {
          chart: 'mlflow',
          sourceRef: { kind: 'HelmRepository', name: 'community-charts' },
        },
      },
    },
  };
}

function instanceEntity(
  cluster: string,
  name: string,
  kcServer: string,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `${cluster}-ml-a-${name}`,
      namespace: 'default',
      annotations: {
        'ml-platform.io/instance': `${cluster}/ml-a/${name}`,
        'ml-platform.io/tool': 'mlflow',
        'ml-platform.io/release': `HelmRelease/ml-a/${name}`,
        'ml-platform.io/keycloak-client': `${kcServer}/ml-platform/${name}`,
        'ml-platform.io/role-mappings': JSON.stringify({
          EDIT: ['/data-scientists/vision'],
        }),
        'backstage.io/kubernetes-label-selector': `app.kubernetes.io/instance=${name}`,
        'backstage.io/kubernetes-namespace': 'ml-a',
      },
    },
    spec: {
      type: 'mlflow',
      lifecycle: 'production',
      owner: 'group:default/data-scientists',
    },
  };
}

describe('mlToolsPlugin against the sandbox', () => {
  let sandbox: Sandbox;
  let server: any;
  let stop: () => Promise<void>;
  const denied = new Set<string>();

  beforeAll(async () => {
    sandbox = await startSandbox({
      clusters: [{ name: 'east' }, { name: 'west' }],
    });
    for (const c of sandbox.clusters) {
      c.simulator.apply({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'ml-a' },
      });
    }
    sandbox.cluster('east').simulator.apply(helmRelease('mlflow-a'));
    sandbox.cluster('west').simulator.apply(helmRelease('mlflow-b'));
    for (const c of sandbox.clusters) c.simulator.settle();

    const mlTools = {
      clusters: sandbox.clusters.map(c => ({
        name: c.name,
        url: c.url,
        authProvider: 'serviceAccount',
        serviceAccountToken: c.token,
        skipTLSVerify: true,
      })),
      keycloak: {
        baseUrl: sandbox.keycloak!.url,
        realm: sandbox.keycloak!.realm,
        clientId: sandbox.keycloak!.clientId,
        clientSecret: sandbox.keycloak!.clientSecret,
      },
      deploy: {
        driver: 'flux',
        chartRepositories: [{ name: 'c', url: 'https://charts.example.com' }],
      },
      namespaces: { allowed: ['ml-*'] },
      baseDomain: 'sandbox.local',
      backend: {
        cacheTtl: { seconds: 30 },
        clusterTimeout: { milliseconds: CLUSTER_TIMEOUT_MS },
        keycloakTimeout: { seconds: 2 },
      },
    };
    const kc = KeycloakAdminGateway.fromConfig(
      readMlToolsConfig(mockServices.rootConfig({ data: { mlTools } })),
    );
    await kc.createClient({
      clientId: 'mlflow-a',
      enabled: true,
      attributes: { 'ml-platform.io/managed-by': 'ml-platform-backstage' },
    });

    const kcServer = new URL(sandbox.keycloak!.url).host;
    const backend = await startTestBackend({
      features: [
        mlToolsPlugin,
        mockServices.rootConfig.factory({ data: { mlTools } }),
        catalogServiceMock.factory({
          entities: [
            instanceEntity('east', 'mlflow-a', kcServer),
            instanceEntity('west', 'mlflow-b', kcServer),
          ],
        }),
        mockServices.events.factory(),
        mockServices.permissions.mock({
          authorize: async (requests: AuthorizePermissionRequest[]) =>
            requests.map(r => ({
              result: denied.has(r.permission.name)
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
            })),
        } as any).factory,
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    await sandbox?.stop();
  });

  afterEach(() => {
    denied.clear();
    sandbox.faults.clear();
  });

  it('answers health from the live release, workloads, ingress and Keycloak', async () => {
    const res = await request(server).get(
      '/api/ml-tools/instances/component/default/east-ml-a-mlflow-a/health',
    );
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.checks.map((c: any) => [c.id, c]));
    expect(Object.keys(byId).sort()).toEqual([
      'ingress',
      'keycloak-client',
      'oidc',
      'pods',
      'release',
      'workloads',
    ]);
    expect(byId.release.status).toBe('ok');
    expect(byId.workloads).toMatchObject({ status: 'ok' });
    expect(byId.workloads.details.total).toBeGreaterThan(0);
    expect(byId.ingress.details.url).toBe('http://mlflow-a.ml-a.sandbox.local');
    expect(byId['keycloak-client']).toMatchObject({ status: 'ok' });
    expect(byId.oidc).toMatchObject({ status: 'ok' });
    expect(res.body.status).toBe('ok');
  });

  it('is 403 when denied and 404 for an unknown entity', async () => {
    denied.add('ml-tools.instance.health.read');
    const forbidden = await request(server).get(
      '/api/ml-tools/instances/component/default/east-ml-a-mlflow-a/health',
    );
    expect(forbidden.status).toBe(403);
    denied.clear();
    const missing = await request(server).get(
      '/api/ml-tools/instances/component/default/nothing-here/health',
    );
    expect(missing.status).toBe(404);
  });

  it('reports the checks of a hanging cluster as unknown within its timeout', async () => {
    sandbox.faults.add({
      match: { server: 'kubernetes', target: 'west' },
      hang: true,
    });
    const started = Date.now();
    const res = await request(server).get(
      '/api/ml-tools/instances/component/default/west-ml-a-mlflow-b/health',
    );
    // Well before the gateway's own 30 s: the route stopped waiting at the cluster's
    // timeout (how soon after it is measured by test/bench, not here).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.status).toBe(200);
    const statuses = Object.fromEntries(
      res.body.checks.map((c: any) => [c.id, c.status]),
    );
    expect(statuses).toMatchObject({
      release: 'unknown',
      workloads: 'unknown',
      pods: 'unknown',
      ingress: 'unknown',
      oidc: 'ok',
    });
    // The other cluster is not held up.
    const east = await request(server).get(
      '/api/ml-tools/instances/component/default/east-ml-a-mlflow-a/health',
    );
    expect(east.body.status).toBe('ok');
  });

  it('maps roles to Keycloak groups and their members', async () => {
    const res = await request(server).get(
      '/api/ml-tools/instances/component/default/east-ml-a-mlflow-a/access',
    );
    expect(res.status).toBe(200);
    const edit = res.body.roles.find((r: any) => r.role === 'EDIT');
    expect(edit.groups[0]).toMatchObject({
      path: '/data-scientists/vision',
      entityRef: 'group:default/vision',
      exists: true,
    });
    expect(edit.groups[0].memberCount).toBe(edit.groups[0].members.length);
    expect(edit.groups[0].memberCount).toBeGreaterThan(0);
  });
});

describe('tool settings in config', () => {
  const mlTools = (tools: object) => ({
    clusters: [
      {
        name: 'c',
        url: 'https://k8s.example.com',
        authProvider: 'serviceAccount',
        serviceAccountToken: 't',
      },
    ],
    keycloak: {
      baseUrl: 'https://sso.example.com',
      realm: 'ml',
      clientId: 'backstage',
      clientSecret: 's',
    },
    deploy: {
      driver: 'flux',
      chartRepositories: [{ name: 'c', url: 'https://charts.example.com' }],
    },
    namespaces: { allowed: ['ml-*'] },
    baseDomain: 'sandbox.local',
    tools,
  });
  const start = (tools: object) =>
    startTestBackend({
      features: [
        mlToolsPlugin,
        mockServices.rootConfig.factory({ data: { mlTools: mlTools(tools) } }),
        catalogServiceMock.factory({ entities: [] }),
        mockServices.events.factory(),
      ],
    });

  it('stop the backend when they name no known tool, naming the key', async () => {
    await expect(start({ mlfow: {} })).rejects.toThrow(
      /mlTools\.tools\.mlfow names no known blueprint; known: .*mlflow/,
    );
  });

  it('stop the backend when a tool that takes none is given some', async () => {
    await expect(start({ mlflow: { image: 'x' } })).rejects.toThrow(
      /mlTools\.tools\.mlflow is set, but blueprint "mlflow" takes no settings/,
    );
  });

  it('let the backend start when they are right', async () => {
    const backend = await start({});
    expect(backend.server.listening).toBe(true);
    await backend.stop();
  });
});
