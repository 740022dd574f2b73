import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ML_PLATFORM_ANNOTATIONS } from '@ml-platform/plugin-ml-tools-common';
import type { Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import yaml from 'yaml';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { scaffolderModuleMlTools } from './module';
import {
  sandboxMlToolsConfig,
  startContractSandbox,
} from './__testUtils__/harness';

jest.setTimeout(120_000);

const TEMPLATES = resolve(__dirname, '../../../templates');

function template(name: string): Entity {
  const entity = yaml.parse(
    readFileSync(resolve(TEMPLATES, name, 'template.yaml'), 'utf8'),
  );
  return { ...entity, metadata: { namespace: 'default', ...entity.metadata } };
}

function group(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
  };
}

type Server = Awaited<ReturnType<typeof startTestBackend>>['server'];

async function runTask(server: Server, templateRef: string, values: object) {
  const created = await request(server)
    .post('/api/scaffolder/v2/tasks')
    .send({ templateRef, values });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  for (let i = 0; i < 600; i++) {
    const task = await request(server).get(`/api/scaffolder/v2/tasks/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
      const events = await request(server).get(
        `/api/scaffolder/v2/tasks/${id}/events`,
      );
      return {
        task: task.body,
        events: events.body as Array<{ type: string; body: any }>,
      };
    }
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`task ${id} did not finish`);
}

describe('the templates, run by the scaffolder against the sandbox', () => {
  let sandbox: Sandbox;
  let server: Server;

  beforeAll(async () => {
    // The deploy's chart preflight fetches the charts from the sandbox, not the internet.
    sandbox = await startContractSandbox();
    const backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleMlTools,
        catalogServiceMock.factory({
          entities: [
            template('mlflow'),
            template('decommission'),
            group('vision'),
            group('data-scientists'),
            // The default signed-in test user, a member of the owner group (only
            // members change or remove an instance), and the instance the decommission
            // form picks, as the provider shows it.
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'mock', namespace: 'default' },
              spec: { memberOf: ['vision'] },
              relations: [
                { type: 'memberOf', targetRef: 'group:default/vision' },
              ],
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'sandbox-ml-portal-mlflow-portal',
                namespace: 'default',
                annotations: {
                  'ml-platform.io/instance': 'sandbox/ml-portal/mlflow-portal',
                },
              },
              spec: {
                type: 'mlflow',
                lifecycle: 'production',
                owner: 'vision',
              },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: { baseUrl: 'http://localhost:7007' },
            mlTools: sandboxMlToolsConfig(sandbox, {
              deploy: { pollIntervalMs: 20, readyTimeoutSeconds: 30 },
            }),
          },
        }),
      ],
    });
    server = backend.server;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const values = {
    name: 'mlflow-portal',
    namespace: 'ml-portal',
    owner: 'group:default/vision',
    // admin left untouched in the form: it defaults to the owner.
    user: ['group:default/vision', 'group:default/data-scientists'],
    defaultPermission: 'READ',
    databaseSize: '8Gi',
    artifactStorageSize: '20Gi',
  };

  it('deploys MLflow from the template to a Ready instance, with links in the output', async () => {
    const { task, events } = await runTask(
      server,
      'template:default/mlflow',
      values,
    );
    const log = events
      .filter(e => e.type === 'log')
      .map(e => e.body.message)
      .join('\n');
    expect({ status: task.status, log }).toMatchObject({ status: 'completed' });
    expect(log).toMatch(/HelmRelease ml-portal\/mlflow-portal is ready/);
    const completion = events.find(e => e.type === 'completion')!;
    expect(completion.body.output.links).toEqual([
      {
        title: 'Open MLflow',
        icon: 'dashboard',
        url: 'https://mlflow-portal.sandbox.local',
      },
      {
        title: 'Open in catalog',
        icon: 'catalog',
        entityRef: 'component:default/sandbox-ml-portal-mlflow-portal',
      },
    ]);
    const release = sandbox.clusters[0].simulator.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'mlflow-portal',
      'ml-portal',
    )!;
    expect(
      (release.status as any).conditions.find((c: any) => c.type === 'Ready')
        .status,
    ).toBe('True');
    // The form's pickers reach the roles: admin the owner, user the picked groups.
    expect(
      JSON.parse(
        release.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
      ),
    ).toEqual({
      admin: ['/data-scientists/vision'],
      user: ['/data-scientists', '/data-scientists/vision'],
    });
    expect((release.spec as any).values.oidcAuth).toMatchObject({
      adminGroupName: ['/data-scientists/vision'],
      groupName: ['/data-scientists', '/data-scientists/vision'],
      defaultPermission: 'READ',
    });

    // Secrets appear nowhere in what the scaffolder keeps about the task.
    const sim = sandbox.clusters[0].simulator;
    const data = Object.assign(
      {},
      ...['secrets', 'postgresql', 'oidc'].map(
        suffix =>
          sim.get('v1', 'Secret', `mlflow-portal-${suffix}`, 'ml-portal')!
            .data as object,
      ),
    ) as Record<string, string>;
    const secrets = Object.entries(data)
      // Fixed, non-secret values: the database user name and the clientId.
      .filter(([k]) => !['username', 'client-id'].includes(k))
      .map(([, v]) => Buffer.from(v, 'base64').toString());
    const everything = JSON.stringify({ task, events });
    for (const secret of secrets) {
      for (const form of [
        secret,
        Buffer.from(secret).toString('base64'),
        JSON.stringify(secret).slice(1, -1),
      ]) {
        expect(everything.includes(form)).toBe(false);
      }
    }
  });

  it('re-running the template writes nothing and gives the same output', async () => {
    const first = await runTask(server, 'template:default/mlflow', values);
    const mark = sandbox.log.mark();
    const again = await runTask(server, 'template:default/mlflow', values);
    expect(again.task.status).toBe('completed');
    const writes = sandbox.log
      .entries({ kind: 'write', since: mark })
      .filter(e => !e.path.endsWith('/openid-connect/token'));
    expect(writes).toEqual([]);
    const output = (r: typeof first) =>
      r.events.find(e => e.type === 'completion')!.body.output;
    expect(output(again)).toEqual(output(first));
  });

  it('decommissions it from the second template', async () => {
    const { task } = await runTask(
      server,
      'template:default/ml-tool-decommission',
      {
        instance: 'component:default/sandbox-ml-portal-mlflow-portal',
        confirmName: 'mlflow-portal',
        keepData: false,
      },
    );
    expect(task.status).toBe('completed');
    const sim = sandbox.clusters[0].simulator;
    expect(
      sim.get(
        'helm.toolkit.fluxcd.io/v2',
        'HelmRelease',
        'mlflow-portal',
        'ml-portal',
      ),
    ).toBeUndefined();
    expect(
      sim.get('v1', 'Secret', 'mlflow-portal-oidc', 'ml-portal'),
    ).toBeUndefined();
  });

  it('rejects bad input from the form with the field named, before any write', async () => {
    const mark = sandbox.log.mark();
    // The form's own schema refuses it when the task is created…
    const refused = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .send({
        templateRef: 'template:default/mlflow',
        values: { ...values, name: 'MLflow_Portal' },
      });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/name/);
    // …and the action refuses what the form cannot know, naming the field.
    const { task, events } = await runTask(server, 'template:default/mlflow', {
      ...values,
      namespace: 'kube-system',
    });
    expect(task.status).toBe('failed');
    const log = events
      .filter(e => e.type === 'log')
      .map(e => e.body.message)
      .join('\n');
    expect(log).toMatch(/input\.namespace "kube-system" is not allowed/);
    expect(sandbox.log.count({ kind: 'write', since: mark })).toBe(0);
  });
});
