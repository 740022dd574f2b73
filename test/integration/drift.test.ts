import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  createBackendModule,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  type EntityProvider,
  type EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import {
  catalogModuleMlTools,
  type MlToolsEntityProvider,
} from '@ml-platform/plugin-catalog-backend-module-ml-tools';
import { mlToolsPlugin } from '@ml-platform/plugin-ml-tools-backend';
import type {
  FleetOrphansResponse,
  InstanceListResponse,
} from '@ml-platform/plugin-ml-tools-common';
import {
  MAIN_COMPONENT,
  mlToolsBlueprintsExtensionPoint,
  type ToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { scaffolderModuleMlTools } from '@ml-platform/plugin-scaffolder-backend-module-ml-tools';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import { z } from 'zod';

/*
 * Issue 14's drift and orphans: instances deployed by the real deploy action, put in the
 * catalog by the real provider, then changed behind the suite's back in the sandbox
 * (Keycloak and the cluster), and read back through the ML tools page's route. Each
 * drift reason and each orphan kind is made by one such change.
 */

jest.setTimeout(180_000);

const NAMESPACE = 'ml-drift';

const boardBlueprint: ToolBlueprint<{}> = {
  id: 'drift-board',
  title: 'Drift board',
  description: 'A made-up tool to change behind the suite’s back',
  category: 'dashboards',
  icon: 'analysis',
  parameters: z.object({}),
  secrets: [],
  keycloak: {
    clients: [
      {
        key: 'main',
        clientType: 'confidential',
        redirectPaths: ['/oauth2/callback'],
        audienceScope: false,
        groupsClaim: true,
      },
    ],
    roles: [{ name: 'viewer', description: 'Reads', defaultGroups: ['owner'] }],
    enforcedBy: 'The board maps each group to its role.',
  },
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: { repository: 'made-up-charts', chart: 'board', version: '1.0.0' },
      values: { fullnameOverride: ctx.instance.name },
    },
  ],
  health: {
    workloads: ctx => [{ kind: 'Deployment', name: ctx.instance.name }],
  },
  links: ctx => [{ title: 'Board', url: `${ctx.url}/`, type: 'ui' }],
  catalog: { backingStores: () => [] },
};

const boardModule = createBackendModule({
  pluginId: 'ml-tools',
  moduleId: 'drift-board',
  register(env) {
    env.registerInit({
      deps: { blueprints: mlToolsBlueprintsExtensionPoint },
      async init({ blueprints }) {
        blueprints.addBlueprints(boardBlueprint);
      },
    });
  },
});

function mlToolsConfig(sandbox: Sandbox) {
  const cluster = sandbox.clusters[0];
  const kc = sandbox.keycloak!;
  return {
    clusters: [
      {
        name: cluster.name,
        url: cluster.url,
        authProvider: 'serviceAccount',
        serviceAccountToken: cluster.token,
      },
    ],
    keycloak: {
      baseUrl: kc.url,
      realm: kc.realm,
      clientId: kc.clientId,
      clientSecret: kc.clientSecret,
    },
    deploy: {
      driver: 'flux',
      chartRepositories: [
        { name: 'made-up-charts', url: 'https://charts.example.com' },
      ],
      pollIntervalMs: 20,
      readyTimeoutSeconds: 60,
      preflight: { enabled: false },
    },
    namespaces: { allowed: ['ml-*'] },
    baseDomain: 'sandbox.local',
    // Every look reads the lists again, so each change shows at once.
    backend: { cacheTtl: { milliseconds: 1 } },
    catalog: {
      schedule: {
        frequency: { hours: 1 },
        timeout: { minutes: 1 },
        initialDelay: { hours: 1 },
      },
    },
  };
}

describe('drift and orphans of the fleet', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox?.stop());

  it('names each change made behind the suite’s back, and each orphan', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    const providers: EntityProvider[] = [];
    const emitted: Entity[] = [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'board-team', namespace: 'default' },
        spec: { type: 'team', children: [] },
      },
    ];
    const catalog = catalogServiceMock.mock({
      getEntityByRef: async ref =>
        emitted.find(
          e =>
            `${e.kind}:${e.metadata.namespace ?? 'default'}/${
              e.metadata.name
            }`.toLocaleLowerCase('en-US') ===
            String(ref).toLocaleLowerCase('en-US'),
        ),
      getEntities: async () => ({
        items: emitted.filter(e => e.kind === 'Component'),
      }),
    });
    const features: BackendFeature[] = [
      scaffolderModuleMlTools,
      catalogModuleMlTools,
      mlToolsPlugin,
      boardModule,
      catalog.factory,
      mockServices.events.factory(),
      mockServices.rootConfig.factory({
        data: {
          backend: { baseUrl: 'http://localhost:7007' },
          mlTools: mlToolsConfig(sandbox),
        },
      }),
    ];
    const { server } = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...added: any[]) => actions.push(...added) },
        ],
        [
          catalogProcessingExtensionPoint,
          {
            addEntityProvider: (...added: any[]) => {
              providers.push(...added.flat());
            },
            addProcessor: () => {},
            addPlaceholderResolver: () => {},
            setOnProcessingErrorHandler: () => {},
          },
        ],
      ],
      features,
    });

    // Six instances, deployed and catalogued as in real use.
    const names = ['same', 'kc-off', 'gone', 'no-client', 'no-work', 'old'];
    const deploy = actions.find(a => a.id === 'ml-tools:deploy')!;
    for (const name of names) {
      await deploy.handler({
        ...createMockActionContext({
          input: {
            blueprint: boardBlueprint.id,
            namespace: NAMESPACE,
            name,
            owner: 'group:default/board-team',
            parameters: {},
          },
        }),
        output: () => {},
      } as any);
    }
    const provider = providers.find(p =>
      p.getProviderName().startsWith('ml-tools:cluster:'),
    ) as MlToolsEntityProvider;
    const mutations: EntityProviderMutation[] = [];
    await provider.connect({
      applyMutation: async m => {
        mutations.push(m);
      },
      refresh: async () => {},
    });
    await provider.refresh();
    const last = mutations.at(-1)!;
    const components = (last.type === 'full' ? last.entities : [])
      .map(e => e.entity)
      .filter(
        e => e.kind === 'Component' && e.spec?.type === boardBlueprint.id,
      );
    expect(components).toHaveLength(names.length);
    emitted.push(...components);
    const entityOf = (name: string) =>
      components.find(c =>
        c.metadata.annotations?.['ml-platform.io/instance']?.endsWith(
          `/${name}`,
        ),
      )!;

    const list = async (query = '') => {
      const res = await request(server).get(`/api/ml-tools/instances${query}`);
      expect(res.status).toBe(200);
      return (res.body as InstanceListResponse).items;
    };
    const driftOf = async () =>
      Object.fromEntries(
        (await list()).map(i => [
          i.entityRef.replace(/^component:default\/.*-ml-drift-/, ''),
          (i.drift ?? []).map(d => d.kind),
        ]),
      );
    expect(await driftOf()).toEqual(
      Object.fromEntries(names.map(n => [n, []])),
    );
    expect(await list('?attention=true')).toEqual([]);

    // Behind the suite's back: Keycloak's console and kubectl.
    const kc = new KcAdminClient({
      baseUrl: sandbox.keycloak!.url,
      realmName: sandbox.keycloak!.realm,
    });
    await kc.auth({
      grantType: 'client_credentials',
      clientId: sandbox.keycloak!.clientId,
      clientSecret: sandbox.keycloak!.clientSecret,
    });
    const clientOf = async (clientId: string) =>
      (await kc.clients.find({ clientId }))[0];
    const off = await clientOf('kc-off');
    await kc.clients.update(
      { id: off.id! },
      {
        ...off,
        enabled: false,
        redirectUris: [
          ...(off.redirectUris ?? []),
          'https://elsewhere.example.com/*',
        ],
      },
    );
    await kc.clients.del({ id: (await clientOf('no-client')).id! });

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(sandbox.kubeConfigFor(sandbox.clusters[0].name));
    const k8s = KubernetesObjectApi.makeApiClient(kubeConfig);
    const releaseRef = (name: string) => ({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name, namespace: NAMESPACE },
    });
    await k8s.delete(releaseRef('gone'));
    // `flux suspend`, then `kubectl delete`: nothing puts the workload back. (The
    // sandbox's helm-controller re-renders on any change of a release's objects, where
    // the real one, drift detection off by default, leaves them as they are.)
    const noWork = (await k8s.read(releaseRef('no-work'))) as any;
    noWork.spec.suspend = true;
    await k8s.replace(noWork);
    await k8s.delete({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'no-work', namespace: NAMESPACE },
    });
    // As if an older suite had deployed it.
    const old = (await k8s.read(releaseRef('old'))) as any;
    old.spec.chart.spec.version = '0.9.0';
    await k8s.replace(old);

    expect(await driftOf()).toEqual({
      same: [],
      'kc-off': ['client-disabled', 'client-changed'],
      gone: ['release-missing'],
      'no-client': ['client-missing'],
      'no-work': ['workload-missing'],
      old: ['pending-upgrade'],
    });
    const attention = await list('?attention=true');
    expect(attention).toHaveLength(5);
    const pending = attention.find(i => i.entityRef.endsWith('-old'))!
      .drift![0];
    expect(pending.message).toContain('runs chart board 0.9.0');
    expect(pending.message).toContain('now pins 1.0.0');
    expect((await list('?attention=false')).map(i => i.entityRef)).toEqual([
      `component:default/${entityOf('same').metadata.name}`,
    ]);

    // Orphans: the client of the instance whose release is gone, and a release whose
    // catalog entity was removed.
    emitted.splice(emitted.indexOf(entityOf('same')), 1);
    const orphans = await request(server).get('/api/ml-tools/fleet/orphans');
    expect(orphans.status).toBe(200);
    const cluster = sandbox.clusters[0].name;
    expect(
      (orphans.body as FleetOrphansResponse).items.map(o => [
        o.kind,
        o.instanceRef,
        o.what,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [
          'release-without-entity',
          `${cluster}/${NAMESPACE}/same`,
          `HelmRelease ${NAMESPACE}/same`,
        ],
        [
          'client-without-release',
          `${cluster}/${NAMESPACE}/gone`,
          'Keycloak client gone',
        ],
      ]),
    );
    expect((orphans.body as FleetOrphansResponse).items).toHaveLength(2);
    expect((orphans.body as FleetOrphansResponse).unreadClusters).toEqual([]);
  });
});
