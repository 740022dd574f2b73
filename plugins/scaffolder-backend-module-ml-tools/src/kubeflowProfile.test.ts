import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
} from '@ml-platform/plugin-ml-tools-common';
import type { Sandbox } from '@ml-platform/sandbox';
import {
  PEOPLE,
  repoTemplate,
  startPortal,
  type TaskEnd,
} from './__testUtils__/portal';

/*
 * The Kubeflow profile template run by the real scaffolder against the sandbox, whose
 * profile controller makes the namespace as Kubeflow's does. Contributors must come out
 * exactly as Kubeflow's access management (KFAM) makes them, so that Kubeflow's own
 * "Manage contributors" page lists them.
 */

jest.setTimeout(180_000);

const CLUSTER = 'sandbox';
const PORTAL_NS = 'ml-kubeflow-profiles';
const RBAC = 'rbac.authorization.k8s.io';
const ISTIO_GW =
  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const KFP_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
/** The members of the sandbox realm's /ml-platform-team group. */
const TEAM = ['alice', 'carol', 'dave'].map(u => `${u}@ml-platform.example`);

function profileEntity(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `${CLUSTER}-${PORTAL_NS}-${name}`,
      namespace: 'default',
      annotations: {
        'ml-platform.io/instance': `${CLUSTER}/${PORTAL_NS}/${name}`,
      },
    },
    spec: {
      type: 'kubeflow-profile',
      lifecycle: 'production',
      owner: 'group:default/vision',
    },
  };
}

function values(name: string, overrides: JsonObject = {}): JsonObject {
  return {
    name,
    namespace: PORTAL_NS,
    owner: 'group:default/vision',
    ownerEmail: 'bob@ml-platform.example',
    contributors: [],
    admin: [],
    edit: [],
    view: [],
    awsIamAnnotateOnly: true,
    ...overrides,
  };
}

type Portal = Awaited<ReturnType<typeof startPortal>>;

function sim(portal: Portal) {
  return portal.sandbox.clusters[0].simulator;
}

function objectsIn(portal: Portal, namespace: string) {
  const pick = (apiVersion: string, kind: string) =>
    sim(portal).list(apiVersion, kind, { namespace });
  return {
    bindings: pick(`${RBAC}/v1`, 'RoleBinding'),
    policies: pick('security.istio.io/v1beta1', 'AuthorizationPolicy'),
  };
}

/**
 * What Kubeflow's access management reads and writes of a contributor's objects (its
 * `user`/`group` and `role` annotations, the role, the subjects, the policy), by name.
 * Our own labels and applied-hash annotation ride along and are left out here.
 */
function kfamView(portal: Portal, namespace: string) {
  const kfamAnnotations = (o: { metadata: { annotations?: any } }) =>
    Object.fromEntries(
      Object.entries(o.metadata.annotations ?? {}).filter(
        ([k]) => !k.startsWith('ml-platform.io/'),
      ),
    );
  const { bindings, policies } = objectsIn(portal, namespace);
  const ours = (o: { metadata: { labels?: Record<string, string> } }) =>
    o.metadata.labels?.[ML_PLATFORM_LABELS.tool] === 'kubeflow-profile';
  return {
    bindings: bindings
      .filter(ours)
      .map(b => ({
        name: b.metadata.name ?? '',
        annotations: kfamAnnotations(b),
        roleRef: b.roleRef,
        subjects: b.subjects,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    policies: policies
      .filter(ours)
      .map(p => ({
        name: p.metadata.name ?? '',
        annotations: kfamAnnotations(p),
        spec: p.spec,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** The objects KFAM's `BindingClient.Create` makes for one user and role. */
function kfamUser(user: string, role: string) {
  const name = `user-${user
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .toLowerCase()}-clusterrole-${role}`;
  return {
    binding: {
      name,
      annotations: { user, role },
      roleRef: {
        apiGroup: RBAC,
        kind: 'ClusterRole',
        name: `kubeflow-${role}`,
      },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: user }],
    },
    policy: {
      name,
      annotations: { user, role },
      spec: {
        rules: [
          {
            from: [{ source: { principals: [ISTIO_GW, KFP_UI] } }],
            when: [{ key: 'request.headers[kubeflow-userid]', values: [user] }],
          },
        ],
      },
    },
  };
}

function expectCompleted(task: TaskEnd) {
  expect(`${task.status}\n${task.log}`).toMatch(/^completed\n/);
}

/** Admin REST call on the sandbox realm as the portal's service account. */
async function keycloakAdmin(
  sandbox: Sandbox,
  method: string,
  path: string,
): Promise<any> {
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
  const response = await fetch(`${kc.url}/admin/realms/${kc.realm}${path}`, {
    method,
    headers: { authorization: `Bearer ${token.access_token}` },
  });
  expect(response.status).toBeLessThan(300);
  return response.status === 204 ? undefined : response.json();
}

describe('Kubeflow profile, groups expanded into user contributors (the default)', () => {
  let portal: Portal;

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [
        repoTemplate('kubeflow-profile'),
        profileEntity('team-vision'),
        profileEntity('team-three'),
      ],
    });
  });
  afterAll(() => portal?.stop());

  const first = values('team-vision', {
    contributors: [{ user: 'Eve.Smith@Example.com', role: 'view' }],
    edit: ['group:default/ml-platform-team'],
    cpu: '8',
    memory: '32Gi',
    awsIamRole: 'arn:aws:iam::123456789012:role/team-vision',
  });

  it('dry-runs without a write, then creates the profile, its namespace and its contributors, Ready', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun('kubeflow-profile', first, PEOPLE.alice);
    expect(`${dry.status} ${JSON.stringify(dry.body).slice(0, 2000)}`).toMatch(
      /^200 /,
    );
    expect(JSON.stringify(dry.body)).toMatch(/Would change/);
    expect(portal.writesSince(mark)).toEqual([]);

    const task = await portal.run('kubeflow-profile', first, PEOPLE.alice);
    expectCompleted(task);
    const profile = sim(portal).get(
      'kubeflow.org/v1',
      'Profile',
      'team-vision',
    )!;
    expect(profile.spec).toEqual({
      owner: { kind: 'User', name: 'bob@ml-platform.example' },
      resourceQuotaSpec: { hard: { cpu: '8', memory: '32Gi' } },
      plugins: [
        {
          kind: 'AwsIamForServiceAccount',
          spec: {
            awsIamRole: 'arn:aws:iam::123456789012:role/team-vision',
            annotateOnly: true,
          },
        },
      ],
    });
    expect(
      profile.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.instanceRef],
    ).toBe(`${CLUSTER}/${PORTAL_NS}/team-vision`);
    // The access card's direct users: the owner, and each user contributor.
    expect(
      JSON.parse(
        profile.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleUsers],
      ),
    ).toEqual({
      admin: ['bob@ml-platform.example'],
      view: ['Eve.Smith@Example.com'],
    });
    expect(
      JSON.parse(
        profile.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
      ),
    ).toEqual({
      admin: ['/data-scientists/vision'],
      edit: ['/ml-platform-team'],
      view: [],
    });
    // What the profile controller made from it.
    const namespace = sim(portal).get('v1', 'Namespace', 'team-vision')!;
    expect(namespace.metadata.annotations?.owner).toBe(
      'bob@ml-platform.example',
    );
    expect(
      sim(portal).get('v1', 'ServiceAccount', 'default-editor', 'team-vision')!
        .metadata.annotations,
    ).toMatchObject({
      'eks.amazonaws.com/role-arn':
        'arn:aws:iam::123456789012:role/team-vision',
    });
    expect(
      sim(portal).get('v1', 'ServiceAccount', 'default-viewer', 'team-vision'),
    ).toBeDefined();
  });

  it('gives a user contributor exactly the RoleBinding and AuthorizationPolicy KFAM makes', () => {
    const eve = kfamUser('Eve.Smith@Example.com', 'view');
    expect(eve.binding.name).toBe(
      'user-eve-smith-example-com-clusterrole-view',
    );
    const view = kfamView(portal, 'team-vision');
    expect(view.bindings).toContainEqual(eve.binding);
    expect(view.policies).toContainEqual(eve.policy);
  });

  it('expands a group of three into exactly what three user contributors would get, and the owner group into its member', async () => {
    const expected = [
      kfamUser('Eve.Smith@Example.com', 'view'),
      // admin left empty: the owner group, /data-scientists/vision, whose member is bob.
      kfamUser('bob@ml-platform.example', 'admin'),
      ...TEAM.map(u => kfamUser(u, 'edit')),
    ];
    const view = kfamView(portal, 'team-vision');
    expect(view.bindings).toEqual(
      expected.map(e => e.binding).sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(view.policies).toEqual(
      expected.map(e => e.policy).sort((a, b) => a.name.localeCompare(b.name)),
    );

    // The same three as users, on another profile: the same objects.
    const task = await portal.run(
      'kubeflow-profile',
      values('team-three', {
        ownerEmail: 'carol@ml-platform.example',
        contributors: TEAM.map(user => ({ user, role: 'edit' })),
        admin: ['group:default/ml-platform-team'],
      }),
      PEOPLE.alice,
    );
    expectCompleted(task);
    const asUsers = kfamView(portal, 'team-three');
    const edits = (v: typeof view) => ({
      bindings: v.bindings.filter(b => b.annotations.role === 'edit'),
      policies: v.policies.filter(p => p.annotations.role === 'edit'),
    });
    expect(edits(asUsers)).toEqual(edits(view));
    expect(edits(view).bindings).toHaveLength(3);
  });

  it('writes nothing when run again with the same input', async () => {
    const mark = portal.sandbox.log.mark();
    const task = await portal.run('kubeflow-profile', first, PEOPLE.alice);
    expectCompleted(task);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('follows the group when its membership changes, on the next run', async () => {
    const [dave] = await keycloakAdmin(
      portal.sandbox,
      'GET',
      '/users?username=dave&exact=true',
    );
    const team = await keycloakAdmin(
      portal.sandbox,
      'GET',
      '/group-by-path/ml-platform-team',
    );
    await keycloakAdmin(
      portal.sandbox,
      'DELETE',
      `/users/${dave.id}/groups/${team.id}`,
    );
    const task = await portal.run('kubeflow-profile', first, PEOPLE.alice);
    expectCompleted(task);
    const names = kfamView(portal, 'team-vision').bindings.map(b => b.name);
    expect(names).not.toContain(
      'user-dave-ml-platform-example-clusterrole-edit',
    );
    expect(names).toContain('user-carol-ml-platform-example-clusterrole-edit');
    await keycloakAdmin(
      portal.sandbox,
      'PUT',
      `/users/${dave.id}/groups/${team.id}`,
    );
  });

  it('removes both objects of every contributor taken off the form (the group, then a user)', async () => {
    const task = await portal.run(
      'kubeflow-profile',
      { ...first, edit: [], contributors: [] },
      PEOPLE.alice,
    );
    expectCompleted(task);
    const view = kfamView(portal, 'team-vision');
    const bob = kfamUser('bob@ml-platform.example', 'admin');
    expect(view.bindings).toEqual([bob.binding]);
    expect(view.policies).toEqual([bob.policy]);
    // The controller's own objects are not ours to remove.
    expect(
      sim(portal).get(
        `${RBAC}/v1`,
        'RoleBinding',
        'namespaceAdmin',
        'team-vision',
      ),
    ).toBeDefined();
  });

  it('refuses a profile whose namespace someone else already has, before any write', async () => {
    sim(portal).apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-taken', annotations: { owner: 'mallory@x.org' } },
    });
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun(
      'kubeflow-profile',
      values('team-taken'),
      PEOPLE.alice,
    );
    expect(dry.status).toBe(409);
    expect(dry.body.error.message).toMatch(
      /Namespace team-taken already exists on cluster "sandbox" and was not made from Profile team-taken/,
    );
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('decommissions the profile: contributors, Profile, and with it the namespace', async () => {
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/${CLUSTER}-${PORTAL_NS}-team-vision`,
        confirmName: 'team-vision',
        keepData: false,
      },
      PEOPLE.alice,
    );
    expectCompleted(task);
    expect(
      sim(portal).get('kubeflow.org/v1', 'Profile', 'team-vision'),
    ).toBeUndefined();
    expect(sim(portal).get('v1', 'Namespace', 'team-vision')).toBeUndefined();
    expect(
      sim(portal).list(`${RBAC}/v1`, 'RoleBinding', {
        labelSelector: `${ML_PLATFORM_LABELS.instance}=team-vision`,
      }),
    ).toEqual([]);
  });

  it('keeps the profile, its namespace and the data in it when asked to, removing only the contributors', async () => {
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/${CLUSTER}-${PORTAL_NS}-team-three`,
        confirmName: 'team-three',
        keepData: true,
      },
      PEOPLE.alice,
    );
    expectCompleted(task);
    expect(task.log).toMatch(/Profile team-three/);
    expect(
      sim(portal).get('kubeflow.org/v1', 'Profile', 'team-three'),
    ).toBeDefined();
    expect(sim(portal).get('v1', 'Namespace', 'team-three')).toBeDefined();
    expect(kfamView(portal, 'team-three')).toEqual({
      bindings: [],
      policies: [],
    });
  });
});

describe('Kubeflow profile, native group access', () => {
  let portal: Portal;

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [repoTemplate('kubeflow-profile')],
      mlTools: { tools: { 'kubeflow-profile': { groupAccess: 'native' } } },
    });
  });
  afterAll(() => portal?.stop());

  it('binds the group itself: a Group RoleBinding and a policy on the kubeflow-groups header', async () => {
    const input = values('team-native', {
      admin: ['group:default/vision'],
      edit: ['group:default/ml-platform-team'],
    });
    const task = await portal.run('kubeflow-profile', input, PEOPLE.alice);
    expectCompleted(task);
    const view = kfamView(portal, 'team-native');
    const group = (path: string, role: string, name: string) => ({
      binding: {
        name,
        annotations: { group: path, role },
        roleRef: {
          apiGroup: RBAC,
          kind: 'ClusterRole',
          name: `kubeflow-${role}`,
        },
        subjects: [{ apiGroup: RBAC, kind: 'Group', name: path }],
      },
      policy: {
        name,
        annotations: { group: path, role },
        spec: {
          rules: [
            {
              from: [{ source: { principals: [ISTIO_GW, KFP_UI] } }],
              when: [
                {
                  key: 'request.headers[kubeflow-groups]',
                  values: [path, `${path},*`, `*,${path}`],
                },
              ],
            },
          ],
        },
      },
    });
    const expected = [
      group(
        '/data-scientists/vision',
        'admin',
        'group-data-scientists-vision-clusterrole-admin',
      ),
      group(
        '/ml-platform-team',
        'edit',
        'group-ml-platform-team-clusterrole-edit',
      ),
    ];
    expect(view.bindings).toEqual(expected.map(e => e.binding));
    expect(view.policies).toEqual(expected.map(e => e.policy));

    const mark = portal.sandbox.log.mark();
    expectCompleted(await portal.run('kubeflow-profile', input, PEOPLE.alice));
    expect(portal.writesSince(mark)).toEqual([]);

    // Removing the group removes both of its objects.
    expectCompleted(
      await portal.run(
        'kubeflow-profile',
        { ...input, edit: [] },
        PEOPLE.alice,
      ),
    );
    const after = kfamView(portal, 'team-native');
    expect(after.bindings.map(b => b.name)).toEqual([
      'group-data-scientists-vision-clusterrole-admin',
    ]);
    expect(after.policies.map(p => p.name)).toEqual([
      'group-data-scientists-vision-clusterrole-admin',
    ]);
  });
});
