import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import { ML_PLATFORM_ANNOTATIONS } from '@ml-platform/plugin-ml-tools-common';
import {
  PEOPLE,
  repoTemplate,
  startPortal,
  type TaskEnd,
} from './__testUtils__/portal';
import {
  createUser,
  keycloakAdmin,
  signIn,
} from './__testUtils__/keycloakUsers';

jest.setTimeout(300_000);

/*
 * The MinIO template run from the portal as its users do: the real scaffolder backend,
 * the sandbox's Kubernetes and Keycloak. The `policy` claim is read from tokens the
 * sandbox's token endpoint issues to people in (and out of) the mapped groups.
 */

const NAME = 'minio-acc';
const NAMESPACE = 'ml-acceptance';
const INSTANCE_REF = `sandbox/${NAMESPACE}/${NAME}`;
const HR = 'helm.toolkit.fluxcd.io/v2';

const instanceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: `sandbox-${NAMESPACE}-${NAME}`,
    namespace: 'default',
    annotations: { 'ml-platform.io/instance': INSTANCE_REF },
  },
  spec: {
    type: 'minio',
    lifecycle: 'production',
    owner: 'group:default/vision',
  },
};

const values = (overrides: JsonObject = {}): JsonObject => ({
  name: NAME,
  namespace: NAMESPACE,
  owner: 'group:default/vision',
  readonly: ['group:default/analysts'],
  readwrite: ['group:default/ml-ops'],
  mode: 'standalone',
  servers: 4,
  storageSize: '10Gi',
  exposeS3Api: true,
  buckets: [
    { name: 'datasets', quota: '100Gi', versioning: true },
    { name: 'models', versioning: false },
  ],
  policies: [
    {
      name: 'models-write',
      buckets: ['models'],
      access: 'write',
      groups: ['group:default/vision-leads'],
    },
  ],
  ...overrides,
});

describe('the MinIO template, from the portal', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  /** Every text a user or an operator could see: task logs, outputs, dry runs. */
  const seen: string[] = [];
  const sim = () => portal.sandbox.clusters[0].simulator;
  const release = () => sim().get(HR, 'HelmRelease', NAME, NAMESPACE);
  const secretValue = (name: string, key: string) =>
    Buffer.from(
      (sim().get('v1', 'Secret', name, NAMESPACE)!.data as any)[key],
      'base64',
    ).toString('utf8');
  const keep = (task: TaskEnd) => {
    seen.push(task.log, JSON.stringify(task.output ?? {}));
    return task;
  };

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [repoTemplate('minio'), instanceEntity],
    });
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('deploys MinIO to Ready: root credentials, SSO by reference, buckets with quotas, its volume', async () => {
    const task = keep(await portal.run('minio', values(), PEOPLE.alice));
    expect({
      status: task.status,
      log: task.status === 'completed' ? '' : task.log,
    }).toEqual({
      status: 'completed',
      log: '',
    });
    const hr = release()!;
    const ready = (hr.status as any).conditions.find(
      (c: { type: string }) => c.type === 'Ready',
    );
    expect(ready.status).toBe('True');
    const v = (hr.spec as any).values;
    expect(v.existingSecret).toBe(`${NAME}-secrets`);
    expect(v.users).toEqual([]);
    expect(v.oidc).toMatchObject({
      enabled: true,
      claimName: 'policy',
      existingClientSecretName: `${NAME}-oidc`,
      existingClientIdKey: 'client-id',
      existingClientSecretKey: 'client-secret',
      redirectUri: `https://${NAME}.sandbox.local/oauth_callback`,
    });
    expect(v.oidc.clientSecret).toBeUndefined();
    expect(v.persistence.existingClaim).toBe(`${NAME}-data`);
    expect(v.buckets.map((b: { name: string }) => b.name)).toEqual([
      'datasets',
      'models',
    ]);
    // The named policy, created in MinIO by the chart, and a role like the others.
    expect(v.policies).toEqual([
      {
        name: 'models-write',
        statements: [
          {
            effect: 'Allow',
            resources: ['arn:aws:s3:::models/*'],
            actions: [
              's3:PutObject',
              's3:AbortMultipartUpload',
              's3:ListMultipartUploadParts',
            ],
          },
          {
            effect: 'Allow',
            resources: ['arn:aws:s3:::models'],
            actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
          },
        ],
      },
    ]);
    expect(
      JSON.parse(
        hr.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
      ),
    ).toEqual({
      consoleAdmin: ['/data-scientists/vision'],
      readonly: ['/analysts'],
      readwrite: ['/ml-ops'],
      writeonly: [],
      'models-write': ['/vision-leads'],
    });
    expect(v.customCommands).toEqual([
      { command: 'quota set myminio/datasets --size 100GiB' },
    ]);
    expect(secretValue(`${NAME}-secrets`, 'rootPassword')).toMatch(
      /^[A-Za-z0-9]{40}$/,
    );
    const claim = sim().get(
      'v1',
      'PersistentVolumeClaim',
      `${NAME}-data`,
      NAMESPACE,
    );
    expect((claim!.spec as any).resources.requests.storage).toBe('10Gi');
    const health = JSON.parse(
      hr.metadata.annotations![ML_PLATFORM_ANNOTATIONS.health],
    );
    expect(health).toEqual({
      workloads: [{ kind: 'Deployment', name: NAME }],
      endpoints: ['/minio/health/live'],
      conditions: [],
    });
    const links = JSON.parse(
      hr.metadata.annotations![ML_PLATFORM_ANNOTATIONS.links],
    ) as Array<{ title: string; url: string }>;
    expect(
      links.map(l => [l.title, l.url.replace(/\/clients\/.*$/, '')]),
    ).toEqual([
      ['MinIO console', `https://${NAME}.sandbox.local/`],
      ['S3 endpoint', `https://${NAME}-s3.sandbox.local`],
      ['MinIO documentation', 'https://min.io/docs/minio/kubernetes/upstream/'],
      [`Keycloak client ${NAME}`, expect.stringContaining('http')],
    ]);
    // The client's policy mapper, and the policies as client roles of mapped groups.
    const [client] = await keycloakAdmin(
      portal.sandbox,
      'GET',
      `/clients?clientId=${NAME}`,
    );
    expect(
      client.protocolMappers.find((m: { name: string }) => m.name === 'policy'),
    ).toMatchObject({
      protocolMapper: 'oidc-usermodel-client-role-mapper',
      config: expect.objectContaining({
        'claim.name': 'policy',
        multivalued: 'true',
        'usermodel.clientRoleMapping.clientId': NAME,
      }),
    });
    const roles = await keycloakAdmin(
      portal.sandbox,
      'GET',
      `/clients/${client.id}/roles`,
    );
    expect(roles.map((r: { name: string }) => r.name).sort()).toEqual([
      'consoleAdmin',
      'models-write',
      'readonly',
      'readwrite',
      'writeonly',
    ]);
  });

  it('makes no write on a re-run, and a dry run answers without writing', async () => {
    const mark = portal.sandbox.log.mark();
    const again = keep(await portal.run('minio', values(), PEOPLE.alice));
    expect(again.status).toBe('completed');
    const dry = await portal.dryRun(
      'minio',
      values({ storageSize: '50Gi' }),
      PEOPLE.alice,
    );
    seen.push(JSON.stringify(dry.body));
    expect(dry.status).toBe(200);
    expect(JSON.stringify(dry.body)).toMatch(/HelmRelease/);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('refuses a bad bucket before any write, naming the field', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun(
      'minio',
      values({ buckets: [{ name: 'Bad_Name' }] }),
      PEOPLE.alice,
    );
    seen.push(JSON.stringify(dry.body));
    expect(dry.status).toBe(400);
    expect(JSON.stringify(dry.body)).toMatch(/buckets/);
    expect(JSON.stringify(dry.body)).toMatch(
      /lower case letters, digits or dashes/,
    );
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('puts the policies of the groups in the token: readonly for an analyst, none for someone in no mapped group', async () => {
    const [client] = await keycloakAdmin(
      portal.sandbox,
      'GET',
      `/clients?clientId=${NAME}`,
    );
    // Direct grants let the test sign in without a browser; the mappers are the same.
    await keycloakAdmin(portal.sandbox, 'PUT', `/clients/${client.id}`, {
      ...client,
      directAccessGrantsEnabled: true,
    });
    const credentials = {
      clientId: NAME,
      clientSecret: secretValue(`${NAME}-oidc`, 'client-secret'),
    };
    await createUser(portal.sandbox, 'ana', ['/analysts']);
    await createUser(portal.sandbox, 'nina', ['/ml-engineers']);
    const ana = await signIn(portal.sandbox, credentials, 'ana');
    expect(ana.access.policy).toEqual(['readonly']);
    expect(ana.id.policy).toEqual(['readonly']);
    const nina = await signIn(portal.sandbox, credentials, 'nina');
    expect(nina.access).not.toHaveProperty('policy');
    expect(nina.id).not.toHaveProperty('policy');
    // bob is in /data-scientists/vision, the owner group: consoleAdmin by default.
    const bob = await signIn(portal.sandbox, credentials, 'bob');
    expect(bob.access.policy).toEqual(['consoleAdmin']);
    // Groups of several policies give them all.
    await createUser(portal.sandbox, 'olga', ['/analysts', '/ml-ops']);
    const olga = await signIn(portal.sandbox, credentials, 'olga');
    expect(olga.access.policy).toEqual(['readonly', 'readwrite']);
    // A named policy of the form, like MinIO's own.
    await createUser(portal.sandbox, 'leo', ['/vision-leads']);
    const leo = await signIn(portal.sandbox, credentials, 'leo');
    expect(leo.access.policy).toEqual(['models-write']);
  });

  it('shows no root credential nor client secret in any task log, output, dry run or release', async () => {
    const secrets = [
      secretValue(`${NAME}-secrets`, 'rootUser'),
      secretValue(`${NAME}-secrets`, 'rootPassword'),
      secretValue(`${NAME}-oidc`, 'client-secret'),
    ];
    const texts = [
      ...seen,
      JSON.stringify(sim().list(HR, 'HelmRelease', { namespace: NAMESPACE })),
      JSON.stringify(
        sim().list('v1', 'PersistentVolumeClaim', { namespace: NAMESPACE }),
      ),
    ].join('\n');
    const forms = (s: string) => [s, Buffer.from(s).toString('base64')];
    expect(secrets.flatMap(forms).filter(f => texts.includes(f))).toEqual([]);
    expect(seen.length).toBeGreaterThan(4);
  });

  it('decommissions with keep-data: the volume and the root credentials stay, the rest goes', async () => {
    const rootPassword = secretValue(`${NAME}-secrets`, 'rootPassword');
    const task = keep(
      await portal.run(
        'ml-tool-decommission',
        {
          instance: `component:default/sandbox-${NAMESPACE}-${NAME}`,
          confirmName: NAME,
          keepData: true,
        },
        PEOPLE.alice,
      ),
    );
    expect({
      status: task.status,
      log: task.status === 'completed' ? '' : task.log,
    }).toEqual({
      status: 'completed',
      log: '',
    });
    expect(release()).toBeUndefined();
    expect(
      sim().get('v1', 'PersistentVolumeClaim', `${NAME}-data`, NAMESPACE),
    ).toBeDefined();
    expect(
      sim().get('v1', 'Secret', `${NAME}-oidc`, NAMESPACE),
    ).toBeUndefined();
    expect(
      await keycloakAdmin(portal.sandbox, 'GET', `/clients?clientId=${NAME}`),
    ).toEqual([]);
    // Deployed again, MinIO finds its data and opens it with the same credentials.
    const again = keep(await portal.run('minio', values(), PEOPLE.alice));
    expect(again.status).toBe('completed');
    expect(secretValue(`${NAME}-secrets`, 'rootPassword')).toBe(rootPassword);
  });

  it('decommissions without keep-data: the volume goes too', async () => {
    const task = keep(
      await portal.run(
        'ml-tool-decommission',
        {
          instance: `component:default/sandbox-${NAMESPACE}-${NAME}`,
          confirmName: NAME,
          keepData: false,
        },
        PEOPLE.alice,
      ),
    );
    expect(task.status).toBe('completed');
    expect(
      sim()
        .list('v1', 'PersistentVolumeClaim', { namespace: NAMESPACE })
        .map(c => c.metadata.name),
    ).toEqual([]);
    expect(
      sim()
        .list('v1', 'Secret', { namespace: NAMESPACE })
        .map(s => s.metadata.name)
        .filter(n => n!.startsWith(NAME)),
    ).toEqual([]);
  });
});
