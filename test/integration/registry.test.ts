import {
  createBackendModule,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  type CatalogProcessingExtensionPoint,
  type EntityProvider,
  type EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  catalogModuleMlTools,
  type MlToolsEntityProvider,
} from '@ml-platform/plugin-catalog-backend-module-ml-tools';
import { mlToolsPlugin } from '@ml-platform/plugin-ml-tools-backend';
import {
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  type InstanceAccessResponse,
  type InstanceHealthResponse,
  type InstanceLinksResponse,
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
 * Issue 8's registry acceptance: a platform team's backend module adds a made-up tool
 * through the `ml-tools` plugin's extension point, and every plugin of the suite serves
 * it with no change to any of them: the deploy action deploys it, the catalog provider
 * emits its Component, and the health, access and links routes answer for it.
 */

jest.setTimeout(180_000);

const NAMESPACE = 'ml-board';
const NAME = 'board-a';

/** A made-up tool: a chart, a plain ConfigMap next to it, one client, two roles. */
const boardBlueprint: ToolBlueprint<{ motto: string }> = {
  id: 'made-up-board',
  title: 'Made-up board',
  description: 'A dashboard no one ships, to prove a tool is only a blueprint',
  category: 'dashboards',
  icon: 'analysis',
  docsUrl: 'https://docs.example.com/board',
  parameters: z.object({ motto: z.string().default('hello') }),
  secrets: [],
  keycloak: {
    clients: [
      {
        key: 'main',
        clientType: 'confidential',
        redirectPaths: ['/oauth2/callback'],
        audienceScope: true,
        groupsClaim: true,
      },
    ],
    roles: [
      { name: 'viewer', description: 'Reads boards' },
      {
        name: 'editor',
        description: 'Edits boards',
        defaultGroups: ['owner'],
      },
    ],
    enforcedBy: 'The board maps each group to its role.',
  },
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: { repository: 'made-up-charts', chart: 'board', version: '1.0.0' },
      values: {
        fullnameOverride: ctx.instance.name,
        ingress: { enabled: true, hosts: [ctx.host] },
      },
    },
    {
      type: 'object',
      component: 'settings',
      manifest: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `${ctx.instance.name}-settings`,
          namespace: ctx.instance.namespace,
        },
        data: { motto: ctx.params.motto },
      },
    },
  ],
  objectKinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  health: {
    workloads: ctx => [{ kind: 'Deployment', name: ctx.instance.name }],
    conditions: ctx => [
      {
        title: 'Board settings',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: `${ctx.instance.name}-settings`,
      },
    ],
  },
  links: ctx => [{ title: 'Board', url: `${ctx.url}/`, type: 'ui' }],
  catalog: { backingStores: () => [] },
};

/** How a platform team adds its tool: a module of the `ml-tools` plugin. */
const boardModule = createBackendModule({
  pluginId: 'ml-tools',
  moduleId: 'made-up',
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
      // The sandbox renders any chart of a repository it does not serve as a stock
      // web application; there is no real chart to check the values against.
      chartRepositories: [
        { name: 'made-up-charts', url: 'https://charts.example.com' },
      ],
      pollIntervalMs: 20,
      readyTimeoutSeconds: 60,
      preflight: { enabled: false },
    },
    namespaces: { allowed: ['ml-*'] },
    baseDomain: 'sandbox.local',
    // Cycles run when the test says so, not on a timer.
    catalog: {
      schedule: {
        frequency: { hours: 1 },
        timeout: { minutes: 1 },
        initialDelay: { hours: 1 },
      },
    },
  };
}

describe('a blueprint added by a backend module', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox?.stop());

  it('is deployed, put in the catalog and served by the routes, with no change to any plugin', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    const providers: EntityProvider[] = [];
    const catalogPoint: CatalogProcessingExtensionPoint = {
      addEntityProvider: (...added) => {
        providers.push(...added.flat());
      },
      addProcessor: () => {},
      addPlaceholderResolver: () => {},
      setOnProcessingErrorHandler: () => {},
    };
    // What the catalog holds: the owner group the deploy checks, and what the provider
    // emitted once it has (read by the routes).
    const emitted: Entity[] = [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'board-team', namespace: 'default' },
        spec: { type: 'team', children: [] },
      },
    ];
    const catalog = catalogServiceMock.mock({
      getEntityByRef: async ref => {
        const wanted = String(ref).toLocaleLowerCase('en-US');
        return emitted.find(
          e =>
            `${e.kind}:${e.metadata.namespace ?? 'default'}/${
              e.metadata.name
            }`.toLocaleLowerCase('en-US') === wanted,
        );
      },
      getEntities: async () => ({ items: emitted }),
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
        [catalogProcessingExtensionPoint, catalogPoint],
      ],
      features,
    });

    // 1. The deploy action deploys it: its release and its plain object, with our labels.
    const deploy = actions.find(a => a.id === 'ml-tools:deploy')!;
    const outputs: Record<string, unknown> = {};
    await deploy.handler({
      ...createMockActionContext({
        input: {
          blueprint: boardBlueprint.id,
          namespace: NAMESPACE,
          name: NAME,
          owner: 'group:default/board-team',
          roleMappings: { viewer: ['/board-readers'] },
          parameters: { motto: 'ship it' },
        },
      }),
      output: (key: string, value: unknown) => {
        outputs[key] = value;
      },
    } as any);
    expect(outputs.url).toBe(`https://${NAME}.sandbox.local`);
    const k8s = sandbox.clusters[0].simulator;
    const release = k8s.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      NAME,
      NAMESPACE,
    )!;
    const settings = k8s.get('v1', 'ConfigMap', `${NAME}-settings`, NAMESPACE)!;
    const ours = {
      [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
      [ML_PLATFORM_LABELS.instance]: NAME,
      [ML_PLATFORM_LABELS.tool]: boardBlueprint.id,
    };
    expect(release.metadata.labels).toMatchObject({
      ...ours,
      [ML_PLATFORM_LABELS.component]: MAIN_COMPONENT,
    });
    expect(settings.metadata.labels).toMatchObject({
      ...ours,
      [ML_PLATFORM_LABELS.component]: 'settings',
    });
    expect((settings as any).data).toEqual({ motto: 'ship it' });

    // 2. The catalog provider (as the catalog plugin would run it) emits its Component,
    // with the tool's icon and category from the registry.
    const clusterProvider = providers.find(
      p =>
        p.getProviderName() === `ml-tools:cluster:${sandbox.clusters[0].name}`,
    ) as MlToolsEntityProvider;
    expect(clusterProvider).toBeDefined();
    const mutations: EntityProviderMutation[] = [];
    await clusterProvider.connect({
      applyMutation: async m => {
        mutations.push(m);
      },
      refresh: async () => {},
    });
    expect(await clusterProvider.refresh()).toMatchObject({ ok: true });
    const last = mutations.at(-1)!;
    const entities =
      last.type === 'full' ? last.entities.map(e => e.entity) : [];
    const component = entities.find(
      e =>
        e.kind === 'Component' &&
        e.metadata.annotations?.[ML_TOOLS_ENTITY_ANNOTATIONS.tool] ===
          boardBlueprint.id,
    )!;
    expect(component).toBeDefined();
    expect(component.metadata.annotations).toMatchObject({
      [ML_TOOLS_ENTITY_ANNOTATIONS.instance]: `${sandbox.clusters[0].name}/${NAMESPACE}/${NAME}`,
      [ML_TOOLS_ENTITY_ANNOTATIONS.icon]: 'analysis',
      [ML_TOOLS_ENTITY_ANNOTATIONS.category]: 'dashboards',
      [ML_TOOLS_ENTITY_ANNOTATIONS.release]: `HelmRelease/${NAMESPACE}/${NAME}`,
    });
    expect(component.spec?.type).toBe(boardBlueprint.id);
    emitted.push(component);

    // 3. The routes of the ml-tools plugin serve it.
    const base = `/api/ml-tools/instances/component/default/${component.metadata.name}`;
    const health = await request(server).get(`${base}/health`);
    expect(health.status).toBe(200);
    const checks = Object.fromEntries(
      (health.body as InstanceHealthResponse).checks.map(c => [c.id, c]),
    );
    expect(checks.release).toMatchObject({ status: 'ok' });
    expect(checks.workloads).toMatchObject({
      status: 'ok',
      details: { ready: 1, total: 1 },
    });
    expect(checks['condition:Board settings']).toMatchObject({ status: 'ok' });
    expect(checks['keycloak-client']).toMatchObject({ status: 'ok' });

    const access = await request(server).get(`${base}/access`);
    expect(access.status).toBe(200);
    const roles = (access.body as InstanceAccessResponse).roles;
    expect(
      Object.fromEntries(
        roles.map(r => [
          r.role,
          { description: r.description, paths: r.groups.map(g => g.path) },
        ]),
      ),
    ).toEqual({
      viewer: { description: 'Reads boards', paths: ['/board-readers'] },
      editor: { description: 'Edits boards', paths: [expect.any(String)] },
    });

    const links = await request(server).get(`${base}/links`);
    expect(links.status).toBe(200);
    const urls = (links.body as InstanceLinksResponse).links.map(l => l.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        `https://${NAME}.sandbox.local/`,
        'https://docs.example.com/board',
      ]),
    );
    expect(
      (links.body as InstanceLinksResponse).links.some(
        l => l.type === 'keycloak-console',
      ),
    ).toBe(true);

    // The instance list shows the tool's icon and category too.
    const list = await request(server).get('/api/ml-tools/instances');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        tool: boardBlueprint.id,
        icon: 'analysis',
        category: 'dashboards',
      }),
    ]);
  });
});
