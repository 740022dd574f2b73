import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  KeycloakAdminGateway,
  KubernetesClientGateway,
} from '@ml-platform/plugin-ml-tools-node';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { createGatewayReads } from './gatewayReads';
import { MlToolsService } from './MlToolsService';

jest.setTimeout(60_000);

const TIMEOUT_MS = 200;
const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * The routes' per-server timeout reaches the sockets: when a cluster and Keycloak hang,
 * health answers `unknown` at the timeout and the upstream requests are closed then,
 * not when the gateways' own 30 s request timeout would have ended them.
 */
describe('createGatewayReads under MlToolsService timeouts', () => {
  let sandbox: Sandbox;
  let service: MlToolsService;
  let keycloakServer: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clusters: [{ name: 'east' }] });
    const kc = sandbox.keycloak!;
    keycloakServer = new URL(kc.url).host;
    const reads = createGatewayReads({
      kubernetes: new KubernetesClientGateway({
        clusters: sandbox.clusters.map(c => ({
          name: c.name,
          url: c.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: c.token,
          caData: c.caData,
          skipTLSVerify: false,
          requestTimeoutMs: 30_000,
        })),
      }),
      keycloak: new KeycloakAdminGateway({
        config: {
          baseUrl: kc.url,
          realm: kc.realm,
          authRealm: kc.realm,
          clientId: kc.clientId,
          clientSecret: kc.clientSecret,
          consoleBaseUrl: kc.url,
          requestTimeoutMs: 30_000,
        },
      }),
    });
    service = new MlToolsService({
      config: {
        cacheTtlMs: 100,
        clusterTimeoutMs: TIMEOUT_MS,
        keycloakTimeoutMs: TIMEOUT_MS,
        serverConcurrency: 8,
        keycloak: {
          server: keycloakServer,
          realm: kc.realm,
          consoleBaseUrl: kc.url,
        },
      },
      ...reads,
      logger: mockServices.logger.mock(),
    });
    // Logs in while Keycloak still answers: the login is shared, never cancelled.
    await reads.keycloak!.checkOidcDiscovery();
  });
  afterAll(() => sandbox.stop());

  const instance = (name: string): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `east-ml-a-${name}`,
      namespace: 'default',
      annotations: {
        'ml-platform.io/instance': `east/ml-a/${name}`,
        'ml-platform.io/tool': 'mlflow',
        'ml-platform.io/release': `HelmRelease/ml-a/${name}`,
        'ml-platform.io/keycloak-client': `${keycloakServer}/${
          sandbox.keycloak!.realm
        }/${name}`,
        'backstage.io/kubernetes-label-selector': `app.kubernetes.io/instance=${name}`,
        'backstage.io/kubernetes-namespace': 'ml-a',
      },
    },
    spec: { type: 'mlflow', owner: 'group:default/data-science' },
  });

  it('answers unknown at the timeout and closes every upstream request then', async () => {
    sandbox.faults.add({ hang: true });
    try {
      // The first cancellation loads the HTTP client's abort path; not what is timed.
      await service.health(instance('warm-up'));
      await pause(1000);

      const mark = sandbox.log.mark();
      const started = Date.now();
      const health = await service.health(instance('hung'));
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 200);
      expect(health.status).toBe('unknown');
      expect(health.checks.map(c => c.status)).toEqual(
        health.checks.map(() => 'unknown'),
      );

      await pause(1000);
      // A hung request is logged when its connection closes, with status 0. The
      // instance's own: release, two workload kinds, pods and ingresses; the fleet
      // lists its drift comes from; the client, the client list, the realm's role
      // mappings (partial export) and the OIDC discovery.
      const closed = sandbox.log.entries({ since: mark });
      const own = closed.filter(
        e => e.server === 'kubernetes' && e.path.includes('/namespaces/ml-a/'),
      );
      expect(own).toHaveLength(5);
      expect(
        closed.filter(e => e.server === 'kubernetes' && !own.includes(e))
          .length,
      ).toBeGreaterThan(0);
      expect(closed.filter(e => e.server === 'keycloak')).toHaveLength(4);
      for (const request of closed) {
        expect(request).toMatchObject({ status: 0 });
        expect(request.durationMs).toBeLessThan(TIMEOUT_MS + 300);
      }
      // Not one socket left to the hanging cluster, idle or not.
      expect(sandbox.cluster('east').openConnections()).toBe(0);
    } finally {
      sandbox.faults.clear();
    }
  });
});
