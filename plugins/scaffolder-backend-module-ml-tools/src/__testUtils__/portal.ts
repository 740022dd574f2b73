import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import type { JsonObject } from '@backstage/types';
import { mlToolsInstanceManagePermission } from '@ml-platform/plugin-ml-tools-common';
import type { Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import yaml from 'yaml';
import { scaffolderModuleMlTools } from '../module';
import { sandboxMlToolsConfig, startContractSandbox } from './harness';

/*
 * The portal as signed-in people use it: the real scaffolder backend with this module,
 * a catalog of users, groups and the templates, a permission policy, and the sandbox.
 * Tasks and dry runs go through the scaffolder's HTTP API as a given user.
 */

const TEMPLATES = resolve(__dirname, '../../../../templates');

/** A template of the repository, as the catalog holds it. */
export function repoTemplate(name: string): Entity {
  const entity = yaml.parse(
    readFileSync(resolve(TEMPLATES, name, 'template.yaml'), 'utf8'),
  );
  return { ...entity, metadata: { namespace: 'default', ...entity.metadata } };
}

/** A Group entity. */
export function groupEntity(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
  };
}

/** A User entity with its memberships, as the catalog's processors relate them. */
export function userEntity(name: string, groups: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { memberOf: groups, profile: {} },
    relations: groups.map(g => ({
      type: 'memberOf',
      targetRef: `group:default/${g}`,
    })),
  };
}

/**
 * A template whose one step gives an action fixed input, to reach the action with input
 * the repository's templates never produce.
 */
export function rawTemplate(
  name: string,
  action: string,
  input: JsonObject,
): Entity {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name, namespace: 'default', title: name },
    spec: {
      owner: 'ml-platform-team',
      type: 'test',
      parameters: [{ type: 'object', properties: {} }],
      steps: [{ id: 'step', name: 'Step', action, input }],
    },
  };
}

/** Who signs in: alice and bob own groups; pat is on the platform team. */
export const PEOPLE = {
  alice: 'user:default/alice',
  bob: 'user:default/bob',
  pat: 'user:default/pat',
  guest: 'user:development/guest',
} as const;

/** The group whose members the test policy grants `ml-tools.instance.manage`. */
export const PLATFORM_TEAM = 'group:default/ml-platform-team';

function userOf(credentials: BackstageCredentials | undefined) {
  const principal = credentials?.principal as
    | { type?: string; userEntityRef?: string }
    | undefined;
  return principal?.type === 'user' ? principal.userEntityRef : undefined;
}

type Server = Awaited<ReturnType<typeof startTestBackend>>['server'];

/** One task's end: its status, its log, its output. */
export interface TaskEnd {
  id?: string;
  /** The task and its events as the scaffolder's API answered them. */
  raw?: string;
  status: string;
  log: string;
  output?: JsonObject;
}

/**
 * Starts the sandbox and the portal's scaffolder on it. The policy allows everything
 * but `ml-tools.instance.manage`, which it grants to members of the platform team only
 * (read from the catalog like a real policy would).
 */
export async function startPortal(
  options: { extraEntities?: Entity[]; mlTools?: JsonObject } = {},
) {
  const sandbox: Sandbox = await startContractSandbox();
  const entities: Entity[] = [
    repoTemplate('mlflow'),
    repoTemplate('decommission'),
    ...[
      'vision',
      'data-scientists',
      'ml-platform-team',
      'vision-leads',
      'ml-ops',
      'analysts',
    ].map(groupEntity),
    userEntity('alice', ['vision']),
    userEntity('bob', ['data-scientists']),
    userEntity('pat', ['ml-platform-team']),
    ...(options.extraEntities ?? []),
  ];
  const managers = new Set(
    entities
      .filter(e => e.kind === 'User')
      .filter(e => (e.relations ?? []).some(r => r.targetRef === PLATFORM_TEAM))
      .map(e => `user:default/${e.metadata.name}`),
  );
  const decide = (
    permission: { name: string },
    credentials?: BackstageCredentials,
  ) =>
    permission.name !== mlToolsInstanceManagePermission.name ||
    managers.has(userOf(credentials) ?? '')
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  /** Every check of the manage permission the policy answered, with its user. */
  const manageChecks: Array<{ user?: string; resourceRef?: string }> = [];
  const permissions = mockServices.permissions.mock({
    authorize: async (requests, opts) =>
      requests.map(r => {
        if (r.permission.name === mlToolsInstanceManagePermission.name) {
          manageChecks.push({
            user: userOf(opts?.credentials),
            resourceRef: (r as { resourceRef?: string }).resourceRef,
          });
        }
        return { result: decide(r.permission, opts?.credentials) } as any;
      }),
    authorizeConditional: async (requests, opts) =>
      requests.map(
        r => ({ result: decide(r.permission, opts?.credentials) } as any),
      ),
  });
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      scaffolderModuleMlTools,
      catalogServiceMock.factory({ entities }),
      permissions.factory,
      mockServices.rootConfig.factory({
        data: {
          backend: { baseUrl: 'http://localhost:7007' },
          permission: { enabled: true },
          mlTools: sandboxMlToolsConfig(sandbox, {
            deploy: { pollIntervalMs: 20, readyTimeoutSeconds: 30 },
            ...options.mlTools,
          }),
        },
      }),
    ],
  });
  const server: Server = backend.server;
  const templates = new Map(
    entities.filter(e => e.kind === 'Template').map(e => [e.metadata.name, e]),
  );

  const header = (who?: string) =>
    who === 'service'
      ? mockCredentials.service.header()
      : mockCredentials.user.header(who ?? PEOPLE.alice);

  /** Runs a template as `who` to its end, with the secrets typed in its form. */
  async function run(
    template: string,
    values: JsonObject,
    who?: string,
    secrets?: Record<string, string>,
  ): Promise<TaskEnd> {
    const created = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', header(who))
      .send({
        templateRef: `template:default/${template}`,
        values,
        ...(secrets ? { secrets } : {}),
      });
    if (created.status !== 201) {
      throw new Error(
        `task not created: ${created.status} ${JSON.stringify(created.body)}`,
      );
    }
    const id = created.body.id as string;
    for (let i = 0; i < 1200; i++) {
      const task = await request(server)
        .get(`/api/scaffolder/v2/tasks/${id}`)
        .set('Authorization', header(who));
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${id}/events`)
          .set('Authorization', header(who));
        const list = events.body as Array<{ type: string; body: any }>;
        return {
          id,
          raw: JSON.stringify([task.body, events.body]),
          status: task.body.status,
          log: list
            .filter(e => e.type === 'log')
            .map(e => String(e.body.message))
            .join('\n'),
          output: list.find(e => e.type === 'completion')?.body.output,
        };
      }
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error(`task ${id} did not finish`);
  }

  /** A dry run of a template of the catalog as `who`: the HTTP status and body. */
  async function dryRun(
    template: string,
    values: JsonObject,
    who?: string,
    secrets?: Record<string, string>,
  ) {
    const response = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .set('Authorization', header(who))
      .send({
        template: templates.get(template),
        values,
        ...(secrets ? { secrets } : {}),
        directoryContents: [],
      });
    return { status: response.status, body: response.body };
  }

  /** Upstream writes since a log mark, logins left out. */
  const writesSince = (mark: number) =>
    sandbox.log
      .entries({ kind: 'write', since: mark })
      .filter(e => !e.path.endsWith('/openid-connect/token'));

  return {
    sandbox,
    server,
    run,
    dryRun,
    writesSince,
    manageChecks,
    stop: () => sandbox.stop(),
  };
}

/** GET on the sandbox realm's admin API, logged in as the portal's service account. */
export async function keycloakAdminGet(sandbox: Sandbox, path: string) {
  const kc = sandbox.keycloak!;
  const token = await fetch(
    `${kc.url}/realms/${kc.realm}/protocol/openid-connect/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: kc.clientId,
        client_secret: kc.clientSecret,
      }),
    },
  ).then(r => r.json() as Promise<{ access_token: string }>);
  return fetch(`${kc.url}/admin/realms/${kc.realm}${path}`, {
    headers: { authorization: `Bearer ${token.access_token}` },
  });
}

/** The MLflow template's values for an instance `name` owned by `owner`. */
export function mlflowValues(overrides: JsonObject = {}): JsonObject {
  return {
    name: 'mlflow-acc',
    namespace: 'ml-acceptance',
    owner: 'group:default/vision',
    user: ['group:default/data-scientists'],
    defaultPermission: 'READ',
    databaseSize: '8Gi',
    artifactStorageSize: '20Gi',
    ...overrides,
  };
}
