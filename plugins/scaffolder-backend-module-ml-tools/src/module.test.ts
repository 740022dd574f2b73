import {
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  ML_TOOLS_CATALOG_REFRESH_TOPIC,
  type MlToolsCatalogRefreshEvent,
} from '@ml-platform/plugin-ml-tools-common';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  MAIN_COMPONENT,
  mlToolsBlueprintRegistryServiceRef,
  type ToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { z } from 'zod';
import { scaffolderModuleMlTools } from './module';
import { sandboxMlToolsConfig } from './__testUtils__/harness';

jest.setTimeout(60_000);

/** A tool a platform team adds: a chart, no Keycloak client. */
const helloBlueprint: ToolBlueprint<{ greeting: string }> = {
  id: 'hello',
  title: 'Hello service',
  description: 'Says hello',
  category: 'demo',
  icon: 'workspace',
  parameters: z.object({ greeting: z.string().default('hi') }),
  secrets: [],
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: {
        repository: 'community-charts',
        chart: 'hello',
        version: '1.0.0',
      },
      values: {
        greeting: ctx.params.greeting,
        ingress: { enabled: true, hosts: [ctx.host] },
      },
    },
  ],
  health: {
    workloads: ctx => [{ kind: 'Deployment', name: ctx.instance.name }],
  },
  links: ctx => [{ title: 'Hello', url: ctx.url, type: 'ui' }],
  catalog: { backingStores: () => [] },
};

/** The shared registry as the `ml-tools` plugin fills it: built-ins plus hello. */
const registryWithHello = createServiceFactory({
  service: mlToolsBlueprintRegistryServiceRef,
  deps: {},
  factory: () =>
    DefaultBlueprintRegistry.create([...builtInBlueprints, helloBlueprint]),
});

function configFor(sandbox: Sandbox) {
  // One repository and one allowed pattern: enough for the blueprint under test.
  return {
    mlTools: sandboxMlToolsConfig(sandbox, {
      deploy: {
        chartRepositories: [
          {
            name: 'community-charts',
            url: 'https://community-charts.github.io/helm-charts',
          },
        ],
        // The made-up chart exists in no repository this test can reach; the preflight
        // has tests of its own (and one through the scaffolder with the sandbox's charts).
        preflight: { enabled: false },
      },
      namespaces: { allowed: ['ml-*'] },
    }),
  };
}

describe('scaffolderModuleMlTools', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.stop());

  it('registers the actions, and deploys blueprints of the shared registry', async () => {
    const actions: TemplateAction<any, any>[] = [];
    // Stands in for the catalog module's provider, listening on the refresh topic (the
    // test backend has no catalog plugin to hang it on).
    const refreshes: MlToolsCatalogRefreshEvent[] = [];
    const catalogProbe = createBackendModule({
      pluginId: 'scaffolder',
      moduleId: 'refresh-probe',
      register(env) {
        env.registerInit({
          deps: { events: eventsServiceRef },
          async init({ events }) {
            await events.subscribe({
              id: 'refresh-probe',
              topics: [ML_TOOLS_CATALOG_REFRESH_TOPIC],
              onEvent: async ({ eventPayload }) => {
                refreshes.push(eventPayload as MlToolsCatalogRefreshEvent);
              },
            });
          },
        });
      },
    });
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...a: any[]) => actions.push(...a) },
        ],
      ],
      features: [
        scaffolderModuleMlTools,
        registryWithHello,
        catalogProbe,
        // The owner must be a Group entity of the catalog.
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Group',
              metadata: { name: 'team', namespace: 'default' },
              spec: { type: 'team', children: [] },
            },
          ],
        }),
        mockServices.events.factory(),
        mockServices.rootConfig.factory({ data: configFor(sandbox) }),
      ],
    });
    expect(actions.map(a => a.id).sort()).toEqual([
      'keycloak:client:ensure',
      'keycloak:federation:ensure',
      'keycloak:federation:remove',
      'keycloak:groups:ensure',
      'ml-tools:decommission',
      'ml-tools:deploy',
      'ml-tools:namespace:ensure',
      'ml-tools:secrets:ensure',
    ]);
    for (const action of actions) {
      expect(action.supportsDryRun).toBe(true);
      expect(action.examples?.length).toBeGreaterThan(0);
      // Every input field is described.
      const properties = (action.schema?.input as any).properties as Record<
        string,
        any
      >;
      for (const [field, schema] of Object.entries(properties)) {
        expect({
          action: action.id,
          field,
          description: schema.description,
        }).toEqual({
          action: action.id,
          field,
          description: expect.any(String),
        });
      }
    }

    const deploy = actions.find(a => a.id === 'ml-tools:deploy')!;
    const outputs: Record<string, unknown> = {};
    await deploy.handler({
      ...createMockActionContext({
        input: {
          blueprint: 'hello',
          namespace: 'ml-hello',
          name: 'hello-a',
          owner: 'group:default/team',
          parameters: { greeting: 'bonjour' },
        },
      }),
      output: (name: string, value: unknown) => {
        outputs[name] = value;
      },
    } as any);
    expect(outputs.url).toBe('https://hello-a.sandbox.local');
    const release = sandbox.clusters[0].simulator.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'hello-a',
      'ml-hello',
    );
    expect((release?.spec as any).values.greeting).toBe('bonjour');
    // The deploy published the catalog refresh topic for the new instance.
    expect(refreshes).toEqual([
      { cluster: 'sandbox', instanceRef: 'sandbox/ml-hello/hello-a' },
    ]);
  });

  it('fails at startup naming the config key that is wrong', async () => {
    const data = configFor(sandbox);
    (data.mlTools as any).clusters[0].url = 'not a url';
    await expect(
      startTestBackend({
        extensionPoints: [
          [scaffolderActionsExtensionPoint, { addActions: () => {} }],
        ],
        features: [
          scaffolderModuleMlTools,
          mockServices.rootConfig.factory({ data }),
        ],
      }),
    ).rejects.toThrow(/mlTools\.clusters\[0\]\.url must be an absolute URL/);
  });
});
