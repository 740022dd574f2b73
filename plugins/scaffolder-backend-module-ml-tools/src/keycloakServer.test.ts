import type { Entity } from '@backstage/catalog-model';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type { JsonObject } from '@backstage/types';
import request from 'supertest';
import { parse } from 'yaml';
import { mockCredentials } from '@backstage/backend-test-utils';
import { PEOPLE, repoTemplate, startPortal } from './__testUtils__/portal';

jest.setTimeout(300_000);

/*
 * The Keycloak server template run through the real scaffolder backend against the
 * sandbox, as its owner would: a dry run, a run to Ready, a re-run that writes nothing,
 * decommission keeping the data (the database stays) and a redeploy onto it, then a full
 * decommission. Its generated admin password and database passwords appear in no
 * channel people or the catalog can read.
 */

const NAME = 'sso-lab';
const NAMESPACE = 'ml-identity';
const CLUSTER = 'sandbox';
const DATABASE = `${NAME}-postgresql`;
const HELM_RELEASE = ['helm.toolkit.fluxcd.io/v2', 'HelmRelease'] as const;
const HELM_REPOSITORY = [
  'source.toolkit.fluxcd.io/v1',
  'HelmRepository',
] as const;

const values: JsonObject = {
  name: NAME,
  namespace: NAMESPACE,
  owner: 'group:default/vision',
  databaseSize: '16Gi',
};

/** The instance's Component, as the provider would have put it in the catalog. */
const instanceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: `${CLUSTER}-${NAMESPACE}-${NAME}`,
    namespace: 'default',
    // What the decommission template reads from the picked entity.
    annotations: {
      'ml-platform.io/instance': `${CLUSTER}/${NAMESPACE}/${NAME}`,
    },
  },
  spec: {
    type: 'keycloak',
    lifecycle: 'production',
    owner: 'group:default/vision',
  },
};

/** Every way a secret could show up in text: raw, base64 and JSON-escaped. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret, 'utf8').toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

describe('the Keycloak server template, run from the portal', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  /** Everything readable outside the Secrets: searched for the secrets at the end. */
  const channels: string[] = [];

  const sim = () => portal.sandbox.clusters[0].simulator;
  const get = (type: readonly [string, string], name: string) =>
    sim().get(type[0], type[1], name, NAMESPACE);
  const secretData = (name: string) => {
    const data = (get(['v1', 'Secret'], name)?.data ?? {}) as Record<
      string,
      string
    >;
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
  };
  /** The task as the scaffolder's API shows it, with every event. */
  async function taskApi(who: string) {
    const header = mockCredentials.user.header(who);
    const list = await request(portal.server)
      .get('/api/scaffolder/v2/tasks')
      .set('Authorization', header);
    const tasks = (list.body.tasks ?? []) as Array<{ id: string }>;
    const out: string[] = [JSON.stringify(list.body)];
    for (const t of tasks) {
      for (const path of [`/${t.id}`, `/${t.id}/events`]) {
        const r = await request(portal.server)
          .get(`/api/scaffolder/v2/tasks${path}`)
          .set('Authorization', header);
        out.push(JSON.stringify(r.body));
      }
    }
    return out.join('\n');
  }
  /** Every object of the namespace but the Secrets, and the releases' annotations. */
  function clusterObjects(): string {
    const kinds: Array<readonly [string, string]> = [
      HELM_RELEASE,
      HELM_REPOSITORY,
      ['v1', 'ConfigMap'],
      ['apps/v1', 'StatefulSet'],
      ['apps/v1', 'Deployment'],
      ['networking.k8s.io/v1', 'Ingress'],
    ];
    return kinds
      .map(([apiVersion, kind]) =>
        JSON.stringify(sim().list(apiVersion, kind, { namespace: NAMESPACE })),
      )
      .join('\n');
  }

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [repoTemplate('keycloak'), instanceEntity],
    });
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('dry-runs the template first: a plan of what it would create, no write', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun('keycloak', values, PEOPLE.alice);
    channels.push(JSON.stringify(dry.body));
    expect(dry.status).toBe(200);
    const log = JSON.stringify(dry.body.log);
    expect(log).toMatch(/Dry run: deploying Keycloak server \\"sso-lab\\"/);
    expect(log).toMatch(/Would change: \d+ to create/);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('deploys the database, then the server, to a Ready instance', async () => {
    const mark = portal.sandbox.log.mark();
    const task = await portal.run('keycloak', values, PEOPLE.alice);
    channels.push(task.log, JSON.stringify(task.output));
    expect({ status: task.status, log: task.log }).toMatchObject({
      status: 'completed',
    });
    expect(task.log).toMatch(
      new RegExp(`HelmRelease ${NAMESPACE}/${DATABASE} is ready`),
    );
    expect(task.log).toMatch(/Keycloak server "sso-lab" is ready/);

    // The database release was written, and waited for, before the server's.
    const releaseWrites = portal
      .writesSince(mark)
      .filter(e => /\/helmreleases/.test(e.path))
      .map(e => e.path.split('/').pop());
    expect(releaseWrites.indexOf(DATABASE)).toBeGreaterThanOrEqual(0);
    expect(releaseWrites.lastIndexOf(DATABASE)).toBeLessThan(
      releaseWrites.indexOf(NAME),
    );
    const ready = (name: string) =>
      (
        get(HELM_RELEASE, name)?.status as {
          conditions?: Array<{ type: string; status: string }>;
        }
      )?.conditions?.find(c => c.type === 'Ready')?.status;
    expect([ready(DATABASE), ready(NAME)]).toEqual(['True', 'True']);

    // Only the server stands for the instance, with no Keycloak client of the platform.
    const server = get(HELM_RELEASE, NAME)!;
    const database = get(HELM_RELEASE, DATABASE)!;
    expect(server.metadata.labels?.[ML_PLATFORM_LABELS.component]).toBe('main');
    expect(database.metadata.labels?.[ML_PLATFORM_LABELS.component]).toBe(
      'database',
    );
    // The instance's annotations (what the catalog reads) are on the server only.
    expect(
      database.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.instanceRef],
    ).toBeUndefined();
    const annotations = server.metadata.annotations!;
    expect(
      annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientId],
    ).toBeUndefined();
    expect(
      JSON.parse(annotations[ML_PLATFORM_ANNOTATIONS.roleMappings]),
    ).toEqual({});
    expect(JSON.parse(annotations[ML_PLATFORM_ANNOTATIONS.health])).toEqual({
      workloads: [
        { kind: 'StatefulSet', name: NAME },
        { kind: 'StatefulSet', name: DATABASE },
      ],
      endpoints: ['/realms/master/.well-known/openid-configuration'],
      conditions: [],
    });
    expect(
      JSON.parse(annotations[ML_PLATFORM_ANNOTATIONS.links]).map(
        (l: { url: string }) => l.url,
      ),
    ).toEqual([
      'https://sso-lab.sandbox.local/admin/master/console/',
      'https://sso-lab.sandbox.local/realms/master/account/',
      'https://sso-lab.sandbox.local/realms/master/.well-known/openid-configuration',
      'https://www.keycloak.org/documentation',
    ]);
    // The workloads health names exist, as the real charts render them.
    for (const name of [NAME, DATABASE]) {
      expect(get(['apps/v1', 'StatefulSet'], name)).toBeDefined();
    }
    expect(task.output?.links).toEqual([
      {
        title: 'Open the admin console',
        icon: 'dashboard',
        url: 'https://sso-lab.sandbox.local/admin/master/console/',
      },
      {
        title: 'Open in catalog',
        icon: 'catalog',
        entityRef: `component:default/${instanceEntity.metadata.name}`,
      },
    ]);

    // Credentials live in the Secrets; the charts get them by reference only.
    expect(Object.keys(secretData(`${NAME}-secrets`)).sort()).toEqual([
      'admin-password',
      'admin-username',
    ]);
    expect(Object.keys(secretData(DATABASE)).sort()).toEqual([
      'password',
      'postgres-password',
      'username',
    ]);
    const serverValues = (server.spec as any).values;
    expect(serverValues.database.existingSecret).toBe(DATABASE);
    expect(parse(serverValues.extraEnv)).toContainEqual({
      name: 'KC_BOOTSTRAP_ADMIN_PASSWORD',
      valueFrom: {
        secretKeyRef: { name: `${NAME}-secrets`, key: 'admin-password' },
      },
    });
    expect((database.spec as any).values.auth.existingSecret).toBe(DATABASE);
  });

  it('re-running the template writes nothing and gives the same output', async () => {
    const first = JSON.stringify(get(HELM_RELEASE, NAME)!.metadata.annotations);
    const mark = portal.sandbox.log.mark();
    const again = await portal.run('keycloak', values, PEOPLE.alice);
    channels.push(again.log, JSON.stringify(again.output));
    expect(again.status).toBe('completed');
    expect(portal.writesSince(mark)).toEqual([]);
    expect(JSON.stringify(get(HELM_RELEASE, NAME)!.metadata.annotations)).toBe(
      first,
    );
  });

  it('a dry run of the deployed instance finds nothing to change', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun('keycloak', values, PEOPLE.alice);
    channels.push(JSON.stringify(dry.body));
    expect(dry.status).toBe(200);
    expect(JSON.stringify(dry.body.log)).toMatch(/Would change: \d+ unchanged/);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('decommission keeping the data keeps the database release, its chart source, its claim and the credentials', async () => {
    // What the database StatefulSet's volume claim template makes in a real cluster.
    sim().apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `data-${DATABASE}-0`,
        namespace: NAMESPACE,
        labels: {
          'app.kubernetes.io/instance': DATABASE,
          'app.kubernetes.io/name': 'postgresql',
        },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '16Gi' } },
      },
    });
    const passwords = secretData(DATABASE);
    const admin = secretData(`${NAME}-secrets`);
    const decommission = {
      instance: `component:default/${instanceEntity.metadata.name}`,
      confirmName: NAME,
      keepData: true,
    };
    // The dry run tells what it would keep, and writes nothing.
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun(
      'ml-tool-decommission',
      decommission,
      PEOPLE.alice,
    );
    channels.push(JSON.stringify(dry.body));
    expect(dry.status).toBe(200);
    const dryLog = JSON.stringify(dry.body.log);
    for (const kept of [
      `HelmRelease ${NAMESPACE}/${DATABASE}: would keep (holds kept data)`,
      `HelmRepository ${NAMESPACE}/${NAME}-bitnami: would keep (chart source of a kept release)`,
      `PersistentVolumeClaim ${NAMESPACE}/data-${DATABASE}-0: would keep`,
    ]) {
      expect(dryLog).toContain(kept);
    }
    expect(dryLog).toContain(`HelmRelease ${NAMESPACE}/${NAME}: would delete`);
    expect(portal.writesSince(mark)).toEqual([]);
    expect(get(HELM_RELEASE, NAME)).toBeDefined();
    const task = await portal.run(
      'ml-tool-decommission',
      decommission,
      PEOPLE.alice,
    );
    channels.push(task.log, JSON.stringify(task.output));
    expect({ status: task.status, log: task.log }).toMatchObject({
      status: 'completed',
    });
    expect(get(HELM_RELEASE, NAME)).toBeUndefined();
    expect(get(HELM_RELEASE, DATABASE)).toBeDefined();
    expect(get(HELM_REPOSITORY, `${NAME}-bitnami`)).toBeDefined();
    expect(get(HELM_REPOSITORY, `${NAME}-codecentric`)).toBeUndefined();
    expect(
      get(['v1', 'PersistentVolumeClaim'], `data-${DATABASE}-0`),
    ).toBeDefined();
    expect(secretData(DATABASE)).toEqual(passwords);
    expect(secretData(`${NAME}-secrets`)).toEqual(admin);
    expect(task.log).toMatch(
      new RegExp(`HelmRelease ${NAMESPACE}/${DATABASE}`),
    );
  });

  it('a redeploy with the same name finds its database and credentials again', async () => {
    const passwords = secretData(DATABASE);
    const task = await portal.run('keycloak', values, PEOPLE.alice);
    channels.push(task.log, JSON.stringify(task.output));
    expect(task.status).toBe('completed');
    expect(get(HELM_RELEASE, NAME)).toBeDefined();
    expect(secretData(DATABASE)).toEqual(passwords);
    expect(
      get(HELM_RELEASE, DATABASE)?.metadata.labels?.[
        ML_PLATFORM_LABELS.managedBy
      ],
    ).toBe(ML_PLATFORM_MANAGER);
  });

  it('shows neither the admin password nor a database password in any channel', async () => {
    const secrets = [
      secretData(`${NAME}-secrets`)['admin-password'],
      secretData(DATABASE).password,
      secretData(DATABASE)['postgres-password'],
    ];
    expect(secrets.every(s => typeof s === 'string' && s.length >= 32)).toBe(
      true,
    );
    channels.push(await taskApi(PEOPLE.alice), clusterObjects());
    const all = channels.join('\n');
    // The haystack holds what the searches are about: values, annotations, logs.
    expect(all).toContain(`${NAME}-secrets`);
    expect(all).toContain('KC_BOOTSTRAP_ADMIN_PASSWORD');
    const hits = secrets.flatMap(secret =>
      forms(secret).filter(form => all.includes(form)),
    );
    expect(hits).toEqual([]);
  });

  it('a full decommission removes the database release and its claim too', async () => {
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/${instanceEntity.metadata.name}`,
        confirmName: NAME,
        keepData: false,
      },
      PEOPLE.alice,
    );
    expect(task.status).toBe('completed');
    expect(sim().list(...HELM_RELEASE, { namespace: NAMESPACE })).toEqual([]);
    expect(sim().list(...HELM_REPOSITORY, { namespace: NAMESPACE })).toEqual(
      [],
    );
    expect(
      get(['v1', 'PersistentVolumeClaim'], `data-${DATABASE}-0`),
    ).toBeUndefined();
    expect(get(['v1', 'Secret'], DATABASE)).toBeUndefined();
    expect(get(['v1', 'Secret'], `${NAME}-secrets`)).toBeUndefined();
  });
});
