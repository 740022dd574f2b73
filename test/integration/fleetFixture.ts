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
import {
  MAIN_COMPONENT,
  mlToolsBlueprintsExtensionPoint,
  type ToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { scaffolderModuleMlTools } from '@ml-platform/plugin-scaffolder-backend-module-ml-tools';
import type { Sandbox } from '@ml-platform/sandbox';
import { z } from 'zod';

/*
 * A fleet of made-up instances deployed by the real deploy action and catalogued by the
 * real provider, with the ML tools backend in front and admin clients to change
 * Keycloak and the cluster behind the suite's back: the frame of the fleet suites.
 */

/** The namespace the fleet's instances live in. */
export const FLEET_NAMESPACE = 'ml-fleet';

/** A tool with one confidential client and one role mapped to the owner group. */
export const boardBlueprint: ToolBlueprint<{}> = {
  id: 'fleet-board',
  title: 'Fleet board',
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
  moduleId: 'fleet-board',
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

/** The owner group of every instance of the fleet. */
export const OWNER_GROUP: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'board-team', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

/** A running fleet. */
export interface Fleet {
  server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  /** What the catalog holds: push and splice to add or remove entities. */
  catalog: Entity[];
  /** Deploys instances of the board, owned by {@link OWNER_GROUP}. */
  deploy(...names: string[]): Promise<void>;
  /** One provider cycle: the Components it emits now. */
  provide(): Promise<Entity[]>;
  /** The Component of an instance among `components`. */
  entityOf(components: Entity[], name: string): Entity | undefined;
  /** Keycloak's admin API, as a person at its console. */
  kc: KcAdminClient;
  /** The cluster's API, as a person with kubectl. */
  k8s: KubernetesObjectApi;
}

/** Starts the backend in front of the sandbox, with the fleet's admin clients. */
export async function startFleet(
  sandbox: Sandbox,
  extra: BackendFeature[] = [],
): Promise<Fleet> {
  const actions: TemplateAction<any, any, any>[] = [];
  const providers: EntityProvider[] = [];
  const emitted: Entity[] = [OWNER_GROUP];
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
    features: [
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
      ...extra,
    ],
  });

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

  const kc = new KcAdminClient({
    baseUrl: sandbox.keycloak!.url,
    realmName: sandbox.keycloak!.realm,
  });
  await kc.auth({
    grantType: 'client_credentials',
    clientId: sandbox.keycloak!.clientId,
    clientSecret: sandbox.keycloak!.clientSecret,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(sandbox.kubeConfigFor(sandbox.clusters[0].name));

  return {
    server,
    catalog: emitted,
    kc,
    k8s: KubernetesObjectApi.makeApiClient(kubeConfig),
    async deploy(...names) {
      const deploy = actions.find(a => a.id === 'ml-tools:deploy')!;
      for (const name of names) {
        await deploy.handler({
          ...createMockActionContext({
            input: {
              blueprint: boardBlueprint.id,
              namespace: FLEET_NAMESPACE,
              name,
              owner: `group:default/${OWNER_GROUP.metadata.name}`,
              parameters: {},
            },
          }),
          output: () => {},
        } as any);
      }
    },
    async provide() {
      await provider.refresh();
      const last = mutations.at(-1)!;
      return (last.type === 'full' ? last.entities : [])
        .map(e => e.entity)
        .filter(
          e => e.kind === 'Component' && e.spec?.type === boardBlueprint.id,
        );
    },
    entityOf: (components, name) =>
      components.find(c =>
        c.metadata.annotations?.['ml-platform.io/instance']?.endsWith(
          `/${name}`,
        ),
      ),
  };
}
