import {
  createBackendModule,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  type EntityProvider,
  type EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import {
  eventsServiceRef,
  type EventsService,
} from '@backstage/plugin-events-node';
import { ML_TOOLS_CATALOG_REFRESH_TOPIC } from '@ml-platform/plugin-ml-tools-common';
import {
  KeycloakAdminGateway,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { catalogModuleMlTools } from './module';

jest.setTimeout(30_000);

const OURS = {
  'app.kubernetes.io/managed-by': 'ml-platform-backstage',
  'ml-platform.io/tool': 'mlflow',
  'ml-platform.io/owner': 'data-scientists',
};

/** The instance's main release, as the deploy action labels it. */
const MAIN = { 'app.kubernetes.io/component': 'main' };

function helmRelease(name: string, ns: string) {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: {
      name,
      namespace: ns,
      labels: { ...OURS, ...MAIN, 'ml-platform.io/instance': name },
      annotations: {
        'ml-platform.io/title': `MLflow ${name}`,
        'ml-platform.io/links': JSON.stringify([
          { title: 'MLflow', url: `https://${name}.sandbox.local`, type: 'ui' },
        ]),
        'ml-platform.io/keycloak-client-id': name,
        'ml-platform.io/backing-stores': JSON.stringify([
          { kind: 'database', name: `${name}-db` },
        ]),
        'ml-platform.io/role-mappings': JSON.stringify({
          EDIT: ['/data-scientists/vision'],
        }),
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

/**
 * The auth proxy release of an instance, as the deploy action writes it: the instance's
 * labels, its own component, and none of the annotations.
 */
function proxyRelease(instance: string, ns: string) {
  const release = helmRelease(`${instance}-proxy`, ns);
  return {
    ...release,
    metadata: {
      name: `${instance}-proxy`,
      namespace: ns,
      labels: {
        ...OURS,
        'ml-platform.io/instance': instance,
        'app.kubernetes.io/component': 'auth-proxy',
      },
    },
  };
}

function namespaceObject(name: string) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function mlToolsConfig(sandbox: Sandbox) {
  return {
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
      chartRepositories: [
        {
          name: 'community-charts',
          url: 'https://community-charts.github.io/helm-charts',
        },
      ],
    },
    namespaces: { allowed: ['ml-*'] },
    baseDomain: 'sandbox.local',
    catalog: {
      // Long enough that only the first run and explicit refreshes happen in the test.
      schedule: {
        frequency: { minutes: 10 },
        timeout: { minutes: 1 },
      },
    },
  };
}

describe('catalogModuleMlTools against the sandbox', () => {
  let sandbox: Sandbox;
  let providers: EntityProvider[];
  const processors: unknown[] = [];
  let events: EventsService;
  let warnings: string[];
  const mutations = new Map<string, EntityProviderMutation[]>();
  let stop: () => Promise<void>;

  const names = (source: string) => {
    const last = mutations.get(source)?.at(-1);
    return last?.type === 'full'
      ? last.entities.map(e => `${e.entity.kind}:${e.entity.metadata.name}`)
      : undefined;
  };
  const entity = (source: string, name: string): Entity | undefined => {
    const last = mutations.get(source)?.at(-1);
    return last?.type === 'full'
      ? last.entities.find(e => e.entity.metadata.name === name)?.entity
      : undefined;
  };
  async function until(check: () => boolean, what: string) {
    for (let i = 0; i < 200 && !check(); i++) {
      await new Promise(r => setTimeout(r, 25));
    }
    if (!check()) throw new Error(`Timed out waiting for ${what}`);
  }

  beforeAll(async () => {
    sandbox = await startSandbox({
      clusters: [{ name: 'east' }, { name: 'west' }],
    });
    for (const c of sandbox.clusters) {
      c.simulator.apply(namespaceObject('ml-a'));
    }
    sandbox.cluster('east').simulator.apply(helmRelease('mlflow-a', 'ml-a'));
    // Listed after the main release, so a provider reading both would keep this one.
    sandbox.cluster('east').simulator.apply(proxyRelease('mlflow-a', 'ml-a'));
    sandbox.cluster('west').simulator.apply(helmRelease('mlflow-b', 'ml-a'));
    // Not ours: no managed-by label, never read into the catalog.
    sandbox.cluster('west').simulator.apply({
      ...helmRelease('theirs', 'ml-a'),
      metadata: { name: 'theirs', namespace: 'ml-a', labels: { app: 'x' } },
    });

    const config = mlToolsConfig(sandbox);
    const keycloak = KeycloakAdminGateway.fromConfig(
      readMlToolsConfig(mockServices.rootConfig({ data: { mlTools: config } })),
    );
    await keycloak.createClient({
      clientId: 'mlflow-a',
      enabled: true,
      attributes: {
        'ml-platform.io/managed-by': 'ml-platform-backstage',
        'ml-platform.io/owner': 'data-scientists',
        'ml-platform.io/instance': 'east/ml-a/mlflow-a',
        'ml-platform.io/tool': 'mlflow',
      },
    });
    await keycloak.createClient({ clientId: 'someone-elses', enabled: true });

    warnings = [];
    const logger = mockServices.logger.mock({
      warn: (message: string) => {
        warnings.push(message);
      },
      child: () => logger as unknown as LoggerService,
    });
    const backend = await startTestBackend({
      extensionPoints: [
        [
          catalogProcessingExtensionPoint,
          {
            // Connects like the catalog does during its startup, so the scheduler's
            // startup run (the test scheduler runs every task once) reads each source.
            addProcessor: (...p: unknown[]) => {
              processors.push(...p.flat());
            },
            addEntityProvider: (
              ...p: Array<EntityProvider | EntityProvider[]>
            ) => {
              providers = p.flat();
              for (const provider of providers) {
                const list: EntityProviderMutation[] = [];
                mutations.set(provider.getProviderName(), list);
                void provider.connect({
                  applyMutation: async m => {
                    list.push(m);
                  },
                  refresh: async () => {},
                });
              }
            },
          },
        ],
      ],
      features: [
        catalogModuleMlTools,
        mockServices.rootConfig.factory({ data: { mlTools: config } }),
        mockServices.events.factory(),
        logger.factory,
        createBackendModule({
          pluginId: 'catalog',
          moduleId: 'events-probe',
          register(env) {
            env.registerInit({
              deps: { e: eventsServiceRef },
              async init({ e }) {
                events = e;
              },
            });
          },
        }),
      ],
    });
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    await sandbox?.stop();
  });

  it('emits instances, backing stores and Keycloak clients on its scheduled run', async () => {
    expect(processors.map((p: any) => p.getProcessorName())).toEqual([
      'MlToolsAccessRelationsProcessor',
    ]);
    expect(providers.map(p => p.getProviderName())).toEqual([
      'ml-tools:cluster:east',
      'ml-tools:cluster:west',
      'ml-tools:keycloak:ml-platform',
    ]);
    expect([...mutations.values()].map(list => list.length)).toEqual([1, 1, 1]);
    expect(names('ml-tools:cluster:east')).toEqual([
      'Component:east-ml-a-mlflow-a',
      'Resource:east-ml-a-mlflow-a-database-db',
    ]);
    expect(names('ml-tools:cluster:west')).toEqual([
      'Component:west-ml-a-mlflow-b',
      'Resource:west-ml-a-mlflow-b-database-db',
    ]);
    expect(names('ml-tools:keycloak:ml-platform')).toEqual([
      'Resource:keycloak-ml-platform-mlflow-a',
    ]);

    const component = entity('ml-tools:cluster:east', 'east-ml-a-mlflow-a')!;
    const kcServer = new URL(sandbox.keycloak!.url).host;
    expect(component.metadata.annotations).toMatchObject({
      'ml-platform.io/instance': 'east/ml-a/mlflow-a',
      'backstage.io/kubernetes-label-selector':
        'app.kubernetes.io/instance=mlflow-a',
      'backstage.io/kubernetes-namespace': 'ml-a',
      'ml-platform.io/keycloak-client': `${kcServer}/ml-platform/mlflow-a`,
    });
    expect(component.spec).toEqual({
      type: 'mlflow',
      lifecycle: 'production',
      owner: 'group:default/data-scientists',
      dependsOn: [
        'resource:default/keycloak-ml-platform-mlflow-a',
        'resource:default/east-ml-a-mlflow-a-database-db',
      ],
    });
    expect(
      entity('ml-tools:keycloak:ml-platform', 'keycloak-ml-platform-mlflow-a')
        ?.spec,
    ).toEqual({
      type: 'keycloak-client',
      owner: 'group:default/data-scientists',
    });
  });

  it('emits an instance from its main release only, never from its auth proxy', async () => {
    await (providers[0] as any).refresh();
    const components = names('ml-tools:cluster:east')!.filter(n =>
      n.startsWith('Component:'),
    );
    expect(components).toEqual(['Component:east-ml-a-mlflow-a']);
    const component = entity('ml-tools:cluster:east', 'east-ml-a-mlflow-a')!;
    // What the cards need comes from the main release's annotations.
    expect(component.metadata.links).toEqual([
      { title: 'MLflow', url: 'https://mlflow-a.sandbox.local', type: 'ui' },
    ]);
    expect(
      component.metadata.annotations?.['ml-platform.io/role-mappings'],
    ).toBe('{"EDIT":["/data-scientists/vision"]}');
    expect(component.metadata.annotations?.['ml-platform.io/release']).toBe(
      'HelmRelease/ml-a/mlflow-a',
    );
  });

  it('lists by label selector and pages: calls per cycle grow with pages, not instances', async () => {
    const countCalls = async () => {
      const mark = sandbox.log.mark();
      await (providers[0] as any).refresh();
      return sandbox.log
        .entries({ since: mark, target: 'east' })
        .map(c => `${c.method} ${c.path}`)
        .sort();
    };
    const one = await countCalls();
    // One list per kind, across all namespaces, by label selector: the release kinds of
    // both drivers and the main kind of the built-in blueprints' plain objects.
    expect(one).toEqual([
      'GET /apis/argoproj.io/v1alpha1/applications',
      'GET /apis/helm.toolkit.fluxcd.io/v2/helmreleases',
      'GET /apis/kubeflow.org/v1/profiles',
    ]);
    for (let i = 0; i < 120; i++) {
      sandbox.cluster('east').simulator.apply(helmRelease(`bulk-${i}`, 'ml-a'));
    }
    expect(await countCalls()).toEqual(one);
    expect(names('ml-tools:cluster:east')).toHaveLength(121 * 2);

    // Past one page (500 items) the list follows `continue`: one more call, nobody lost.
    for (let i = 120; i < 620; i++) {
      sandbox.cluster('east').simulator.apply(helmRelease(`bulk-${i}`, 'ml-a'));
    }
    const paged = await countCalls();
    // One more call: the second page of HelmReleases.
    expect(paged).toHaveLength(one.length + 1);
    expect(paged.filter(c => c.endsWith('/helmreleases'))).toHaveLength(2);
    expect(names('ml-tools:cluster:east')).toHaveLength(621 * 2);
    const mark = sandbox.log.mark();
    await (providers[0] as any).refresh();
    expect(
      sandbox.log
        .entries({ since: mark, target: 'east' })
        .every(c => c.query.includes('labelSelector=')),
    ).toBe(true);
    // 620 releases go through the sandbox's release controller: slow on a loaded machine.
  }, 120_000);

  it('shows a new instance after a refresh event, without waiting for the schedule', async () => {
    sandbox.cluster('west').simulator.apply(helmRelease('fresh', 'ml-a'));
    const before = mutations.get('ml-tools:cluster:west')!.length;
    await events.publish({
      topic: ML_TOOLS_CATALOG_REFRESH_TOPIC,
      eventPayload: { cluster: 'west', instanceRef: 'west/ml-a/fresh' },
    });
    await until(
      () => mutations.get('ml-tools:cluster:west')!.length > before,
      'a west cycle',
    );
    expect(names('ml-tools:cluster:west')).toContain(
      'Component:west-ml-a-fresh',
    );
  });

  it('keeps the entities of a failing cluster and logs the failure, while the others update', async () => {
    const westBefore = mutations.get('ml-tools:cluster:west')!.length;
    const eastBefore = mutations.get('ml-tools:cluster:east')!.length;
    const fault = sandbox.faults.add({
      match: { server: 'kubernetes', target: 'west' },
      errorRate: 1,
      status: 503,
    });
    try {
      sandbox
        .cluster('east')
        .simulator.apply(helmRelease('during-outage', 'ml-a'));
      const results = await Promise.all(
        providers.map(p => (p as any).refresh()),
      );
      expect(results.map((r: any) => [r.source, r.ok])).toEqual([
        ['ml-tools:cluster:east', true],
        ['ml-tools:cluster:west', false],
        ['ml-tools:keycloak:ml-platform', true],
      ]);
      // No mutation at all for west: the catalog keeps what it had.
      expect(mutations.get('ml-tools:cluster:west')).toHaveLength(westBefore);
      expect(mutations.get('ml-tools:cluster:east')!.length).toBe(
        eastBefore + 1,
      );
      expect(names('ml-tools:cluster:east')).toContain(
        'Component:east-ml-a-during-outage',
      );
      expect(warnings.join('\n')).toMatch(
        /Reading ml-tools:cluster:west failed; its entities are kept as they were: .*503/,
      );
    } finally {
      sandbox.faults.remove(fault);
    }
  });

  it('keeps Keycloak clients when Keycloak fails', async () => {
    const before = mutations.get('ml-tools:keycloak:ml-platform')!.length;
    const fault = sandbox.faults.add({
      match: { server: 'keycloak', path: '/clients' },
      errorRate: 1,
      status: 503,
    });
    try {
      const result = await (providers[2] as any).refresh();
      expect(result.ok).toBe(false);
      expect(mutations.get('ml-tools:keycloak:ml-platform')).toHaveLength(
        before,
      );
    } finally {
      sandbox.faults.remove(fault);
    }
  });
});
