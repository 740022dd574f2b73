import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import {
  ML_PLATFORM_LABELS,
  ML_TOOLS_ENTITY_ANNOTATIONS,
} from '@ml-platform/plugin-ml-tools-common';
import { mlToolsPlugin } from '@ml-platform/plugin-ml-tools-backend';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  MAIN_COMPONENT,
  mlToolsBlueprintRegistryServiceRef,
  type ToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { scaffolderModuleMlTools } from '@ml-platform/plugin-scaffolder-backend-module-ml-tools';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import { z } from 'zod';
import { contractsDir } from '../contract/helpers';

/*
 * Issue 9's acceptance: a blueprint whose values its pinned chart refuses. With the
 * preflight on, the portal refuses it before any write, in a dry run too, with the
 * chart's own words; with the preflight off, the sandbox's release controller refuses
 * it as Helm would, the task fails with that message and the instance's health shows it.
 */

jest.setTimeout(180_000);

/** Schema-invalid on purpose: mlflow 1.8.1 has no `minio` and refuses both databases. */
const brokenBlueprint: ToolBlueprint<{}> = {
  id: 'broken-tracking',
  title: 'Broken tracking server',
  description: 'Values its pinned chart refuses',
  category: 'test',
  icon: 'experiment',
  parameters: z.object({}),
  secrets: [],
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: {
        repository: 'community-charts',
        chart: 'mlflow',
        version: '1.8.1',
      },
      values: {
        minio: { enabled: true },
        postgresql: { enabled: true },
        backendStore: { postgres: { enabled: true } },
      },
    },
  ],
  health: {
    workloads: ctx => [{ kind: 'Deployment', name: ctx.instance.name }],
  },
  links: () => [],
  catalog: { backingStores: () => [] },
};

const registry = createServiceFactory({
  service: mlToolsBlueprintRegistryServiceRef,
  deps: {},
  factory: () =>
    DefaultBlueprintRegistry.create([...builtInBlueprints, brokenBlueprint]),
});

const template: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'broken', namespace: 'default', title: 'Broken' },
  spec: {
    owner: 'team',
    type: 'ml-tool',
    parameters: [
      { properties: { name: { type: 'string' } }, required: ['name'] },
    ],
    steps: [
      {
        id: 'deploy',
        name: 'Deploy',
        action: 'ml-tools:deploy',
        input: {
          blueprint: brokenBlueprint.id,
          namespace: 'ml-broken',
          name: '${{ parameters.name }}',
          owner: 'group:default/team',
          timeoutSeconds: 10,
        },
      },
    ],
  },
};

function instanceEntity(sandbox: Sandbox, name: string): Entity {
  const cluster = sandbox.clusters[0].name;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `${cluster}-ml-broken-${name}`,
      namespace: 'default',
      annotations: {
        [ML_TOOLS_ENTITY_ANNOTATIONS.instance]: `${cluster}/ml-broken/${name}`,
        [ML_TOOLS_ENTITY_ANNOTATIONS.tool]: brokenBlueprint.id,
        [ML_TOOLS_ENTITY_ANNOTATIONS.release]: `HelmRelease/ml-broken/${name}`,
        [ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesNamespace]: 'ml-broken',
        [ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesLabelSelector]: `${ML_PLATFORM_LABELS.helmInstance}=${name}`,
      },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: 'group:default/team',
    },
  };
}

type Server = Awaited<ReturnType<typeof startTestBackend>>['server'];

async function startPortal(
  sandbox: Sandbox,
  preflight: boolean,
  extra: Entity[] = [],
) {
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      scaffolderModuleMlTools,
      mlToolsPlugin,
      registry,
      mockServices.events.factory(),
      catalogServiceMock.factory({
        entities: [
          template,
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: 'team', namespace: 'default' },
            spec: { type: 'team', children: [] },
          },
          ...extra,
        ],
      }),
      mockServices.rootConfig.factory({
        data: {
          backend: { baseUrl: 'http://localhost:7007' },
          mlTools: {
            clusters: [
              {
                name: sandbox.clusters[0].name,
                url: sandbox.clusters[0].url,
                authProvider: 'serviceAccount',
                serviceAccountToken: sandbox.clusters[0].token,
              },
            ],
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
                  url: `${sandbox.chartsUrl}/community-charts`,
                },
              ],
              pollIntervalMs: 20,
              preflight: { enabled: preflight },
            },
            namespaces: { allowed: ['ml-*'] },
            baseDomain: 'sandbox.local',
          },
        },
      }),
    ],
  });
  return backend.server;
}

async function runTask(server: Server, values: object) {
  const created = await request(server)
    .post('/api/scaffolder/v2/tasks')
    .send({ templateRef: 'template:default/broken', values });
  expect(created.status).toBe(201);
  for (let i = 0; i < 1200; i++) {
    const task = await request(server).get(
      `/api/scaffolder/v2/tasks/${created.body.id}`,
    );
    if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
      const events = await request(server).get(
        `/api/scaffolder/v2/tasks/${created.body.id}/events`,
      );
      const log = (events.body as Array<{ type: string; body: any }>)
        .filter(e => e.type === 'log')
        .map(e => e.body.message)
        .join('\n');
      return { status: task.body.status as string, log };
    }
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error('task did not finish');
}

/** Writes to the cluster and Keycloak since a mark, logins left out. */
function writesSince(sandbox: Sandbox, mark: number) {
  return sandbox.log
    .entries({ kind: 'write', since: mark })
    .filter(e => !e.path.endsWith('/protocol/openid-connect/token'));
}

const HELM_WORDS = /values don't meet the specifications of the schema\(s\)/;

describe('values a chart refuses', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ contractsDir });
  });
  afterAll(() => sandbox?.stop());

  it('are refused before any write, dry run and run alike, naming chart, version and value path', async () => {
    const server = await startPortal(sandbox, true);

    const mark = sandbox.log.mark();
    const dryRun = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .send({ template, values: { name: 'broken-a' }, directoryContents: [] });
    expect(dryRun.status).toBe(400);
    expect(dryRun.body.error.message).toMatch(HELM_WORDS);
    expect(dryRun.body.error.message).toMatch(/mlflow 1\.8\.1/);
    expect(dryRun.body.error.message).toMatch(
      /additional properties 'minio' not allowed/,
    );
    expect(writesSince(sandbox, mark)).toEqual([]);

    const run = await runTask(server, { name: 'broken-a' });
    expect(run.status).toBe('failed');
    expect(run.log).toMatch(HELM_WORDS);
    expect(run.log).toMatch(/\/postgresql\/enabled/);
    expect(writesSince(sandbox, mark)).toEqual([]);
  });

  it('with the preflight off, fail in the cluster as Helm would, and the health says why', async () => {
    const name = 'broken-b';
    const server = await startPortal(sandbox, false, [
      instanceEntity(sandbox, name),
    ]);
    const run = await runTask(server, { name });
    expect(run.status).toBe('failed');
    expect(run.log).toMatch(/not checked against chart mlflow 1\.8\.1/);
    expect(run.log).toMatch(HELM_WORDS);

    const release = sandbox.clusters[0].simulator.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      name,
      'ml-broken',
    )!;
    const conditions = (release.status as any).conditions as Array<any>;
    const ready = conditions.find(c => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InstallFailed' });
    expect(ready.message).toMatch(HELM_WORDS);

    const health = await request(server).get(
      `/api/ml-tools/instances/component/default/${sandbox.clusters[0].name}-ml-broken-${name}/health`,
    );
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('error');
    const releaseCheck = health.body.checks.find(
      (c: any) => c.id === 'release',
    );
    expect(releaseCheck.status).toBe('error');
    expect(releaseCheck.reason).toMatch(HELM_WORDS);
    expect(
      health.body.checks
        .filter((c: any) => c.status === 'ok')
        .map((c: any) => c.id),
    ).not.toContain('release');
  });
});
