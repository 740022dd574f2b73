import type { Entity } from '@backstage/catalog-model';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
} from '@ml-platform/plugin-ml-tools-common';
import {
  keycloakAdminGet,
  mlflowValues,
  PEOPLE,
  startPortal,
} from './__testUtils__/portal';

jest.setTimeout(300_000);

const NAME = 'mlflow-own';
const NAMESPACE = 'ml-acceptance';
const CLUSTER = 'sandbox';
const INSTANCE_REF = `${CLUSTER}/${NAMESPACE}/${NAME}`;

/** The instance's Component, as the provider would have put it in the catalog. */
const instanceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: `${CLUSTER}-${NAMESPACE}-${NAME}`,
    namespace: 'default',
    annotations: { 'ml-platform.io/instance': INSTANCE_REF },
  },
  spec: {
    type: 'mlflow',
    lifecycle: 'production',
    owner: 'group:default/vision',
  },
};

const values = (overrides = {}) =>
  mlflowValues({ name: NAME, namespace: NAMESPACE, ...overrides });

describe('only owners change an instance', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;

  const release = () =>
    portal.sandbox.clusters[0].simulator.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      NAME,
      NAMESPACE,
    )!;

  const admin = async (path: string) =>
    (await keycloakAdminGet(portal.sandbox, path)).json();

  /** The instance client's roles each Keycloak group holds, read from the realm. */
  async function clientRolesByGroup(): Promise<Record<string, string[]>> {
    const [client] = await admin(`/clients?clientId=${NAME}`);
    const roles: Array<{ name: string }> = await admin(
      `/clients/${client.id}/roles`,
    );
    const byGroup: Record<string, string[]> = {};
    for (const role of roles) {
      const groups: Array<{ path: string }> = await admin(
        `/clients/${client.id}/roles/${role.name}/groups`,
      );
      for (const g of groups) {
        byGroup[g.path] = [...(byGroup[g.path] ?? []), role.name].sort();
      }
    }
    return byGroup;
  }

  beforeAll(async () => {
    portal = await startPortal({ extraEntities: [instanceEntity] });
    const first = await portal.run(
      'mlflow',
      values({
        user: ['group:default/data-scientists', 'group:default/ml-ops'],
      }),
      PEOPLE.alice,
    );
    if (first.status !== 'completed') {
      throw new Error(
        `the owner's first deploy did not complete:\n${first.log}`,
      );
    }
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('refuses a takeover by someone outside the owner group, before any write, naming the owner', async () => {
    const mark = portal.sandbox.log.mark();
    const takeover = values({
      owner: 'group:default/data-scientists',
      admin: ['group:default/data-scientists'],
    });
    const dry = await portal.dryRun('mlflow', takeover, PEOPLE.bob);
    expect(dry.status).toBe(403);
    expect(dry.body.error.message).toMatch(
      /user:default\/bob may not update sandbox\/ml-acceptance\/mlflow-own: it is owned by group:default\/vision/,
    );
    const task = await portal.run('mlflow', takeover, PEOPLE.bob);
    expect(task.status).toBe('failed');
    expect(task.log).toMatch(/it is owned by group:default\/vision/);
    expect(portal.writesSince(mark)).toEqual([]);
    expect(release().metadata.annotations![ML_PLATFORM_ANNOTATIONS.owner]).toBe(
      'group:default/vision',
    );
  });

  it('refuses a guest and a service token', async () => {
    const mark = portal.sandbox.log.mark();
    const guest = await portal.dryRun('mlflow', values(), PEOPLE.guest);
    expect(guest.status).toBe(403);
    expect(guest.body.error.message).toMatch(
      /user:development\/guest \(not a User entity of the catalog\) may not update/,
    );
    const service = await portal.dryRun('mlflow', values(), 'service');
    expect(service.status).toBe(403);
    expect(service.body.error.message).toMatch(
      /A task without a signed-in user may not update/,
    );
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('lets a member of the owner group update it, and the update reconciles: a group taken out of a role loses it', async () => {
    expect(await clientRolesByGroup()).toMatchObject({
      '/ml-ops': ['user'],
    });
    const task = await portal.run(
      'mlflow',
      values({ user: ['group:default/data-scientists'] }),
      PEOPLE.alice,
    );
    expect(task.status).toBe('completed');
    const roles = await clientRolesByGroup();
    expect(roles['/ml-ops']).toBeUndefined();
    expect(roles).toEqual({
      '/data-scientists': ['user'],
      '/data-scientists/vision': ['admin'],
    });
    // What the access card and the tool read: the recorded mapping and the values.
    const live = release();
    expect(
      JSON.parse(
        live.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
      ),
    ).toEqual({
      admin: ['/data-scientists/vision'],
      user: ['/data-scientists'],
    });
    expect((live.spec as any).values.oidcAuth.groupName).toEqual([
      '/data-scientists',
    ]);
    // The group was created for this instance only: it goes with its role.
    expect(
      (await keycloakAdminGet(portal.sandbox, '/group-by-path/ml-ops')).status,
    ).toBe(404);
  });

  it('lets the platform team, granted ml-tools.instance.manage by the policy, move the ownership cleanly', async () => {
    const task = await portal.run(
      'mlflow',
      values({
        owner: 'group:default/data-scientists',
        user: ['group:default/data-scientists'],
      }),
      PEOPLE.pat,
    );
    expect(task.status).toBe('completed');
    expect(portal.manageChecks).toContainEqual({
      user: PEOPLE.pat,
      resourceRef: `component:default/${instanceEntity.metadata.name}`,
    });
    const live = release();
    expect(live.metadata.annotations![ML_PLATFORM_ANNOTATIONS.owner]).toBe(
      'group:default/data-scientists',
    );
    // Every object of the instance carries the new owner's label.
    const sim = portal.sandbox.clusters[0].simulator;
    for (const suffix of ['secrets', 'postgresql', 'oidc']) {
      const secret = sim.get('v1', 'Secret', `${NAME}-${suffix}`, NAMESPACE)!;
      expect(secret.metadata.labels![ML_PLATFORM_LABELS.owner]).toBe(
        'data-scientists',
      );
    }
    expect(live.metadata.labels![ML_PLATFORM_LABELS.owner]).toBe(
      'data-scientists',
    );
    // Keycloak's client names the new owner; the old owner's group lost admin.
    const [client] = await admin(`/clients?clientId=${NAME}`);
    expect(client.attributes[KEYCLOAK_ATTRIBUTES.owner]).toBe(
      'group:default/data-scientists',
    );
    expect(await clientRolesByGroup()).toEqual({
      '/data-scientists': ['admin', 'user'],
    });
  });

  it('then refuses the former owner and lets the new one update', async () => {
    const mark = portal.sandbox.log.mark();
    const refused = await portal.dryRun('mlflow', values(), PEOPLE.alice);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(
      /owned by group:default\/data-scientists/,
    );
    expect(portal.writesSince(mark)).toEqual([]);
    const allowed = await portal.dryRun(
      'mlflow',
      values({ owner: 'group:default/data-scientists' }),
      PEOPLE.bob,
    );
    expect(allowed.status).toBe(200);
  });

  it('refuses a decommission by someone outside the owner group', async () => {
    const mark = portal.sandbox.log.mark();
    const input = {
      instance: `component:default/${instanceEntity.metadata.name}`,
      confirmName: NAME,
    };
    const dry = await portal.dryRun(
      'ml-tool-decommission',
      input,
      PEOPLE.alice,
    );
    expect(dry.status).toBe(403);
    expect(dry.body.error.message).toMatch(
      /user:default\/alice may not decommission sandbox\/ml-acceptance\/mlflow-own: it is owned by group:default\/data-scientists/,
    );
    const task = await portal.run('ml-tool-decommission', input, PEOPLE.alice);
    expect(task.status).toBe('failed');
    expect(portal.writesSince(mark)).toEqual([]);
    expect(release()).toBeDefined();
  });

  it('lets the owner decommission it from the picker, confirming its name', async () => {
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/${instanceEntity.metadata.name}`,
        confirmName: NAME,
        keepData: false,
      },
      PEOPLE.bob,
    );
    expect(task.status).toBe('completed');
    expect(
      portal.sandbox.clusters[0].simulator.get(
        'helm.toolkit.fluxcd.io/v2',
        'HelmRelease',
        NAME,
        NAMESPACE,
      ),
    ).toBeUndefined();
  });
});
