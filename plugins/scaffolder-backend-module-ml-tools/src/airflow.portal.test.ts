import type { Entity } from '@backstage/catalog-model';
import type { Sandbox } from '@ml-platform/sandbox';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
} from '@ml-platform/plugin-ml-tools-common';
import { PEOPLE, repoTemplate, startPortal } from './__testUtils__/portal';

jest.setTimeout(180_000);

const CLUSTER = 'sandbox';
const NAMESPACE = 'ml-workflows';
const NAME = 'airflow-acc';

const instanceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: `${CLUSTER}-${NAMESPACE}-${NAME}`,
    namespace: 'default',
    annotations: {
      'ml-platform.io/instance': `${CLUSTER}/${NAMESPACE}/${NAME}`,
    },
  },
  spec: {
    type: 'airflow',
    lifecycle: 'production',
    owner: 'group:default/vision',
  },
};

/** The Airflow template's form values. */
const values = {
  name: NAME,
  namespace: NAMESPACE,
  owner: 'group:default/vision',
  Op: ['group:default/ml-ops'],
  User: ['group:default/data-scientists'],
  Viewer: ['group:default/analysts'],
  gitRepository: 'git@github.com:data-science/dags.git',
  gitBranch: 'main',
  gitSubPath: 'dags',
  databaseSize: '8Gi',
};

function secretData(sandbox: Sandbox, name: string): Record<string, string> {
  const secret = sandbox.clusters[0].simulator.get(
    'v1',
    'Secret',
    name,
    NAMESPACE,
  );
  return Object.fromEntries(
    Object.entries((secret?.data ?? {}) as Record<string, string>).map(
      ([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')],
    ),
  );
}

function release(sandbox: Sandbox, name: string) {
  return sandbox.clusters[0].simulator.get(
    'helm.toolkit.fluxcd.io/v2',
    'HelmRelease',
    name,
    NAMESPACE,
  );
}

/** AUTH_ROLES_MAPPING of a generated webserver_config.py (a JSON literal). */
function rolesMappingOf(webserverConfig: string): Record<string, string[]> {
  const line = /^AUTH_ROLES_MAPPING = (.*)$/m.exec(webserverConfig);
  if (!line) throw new Error('no AUTH_ROLES_MAPPING in webserver_config.py');
  return JSON.parse(line[1]);
}

/**
 * What Flask AppBuilder does at login with AUTH_ROLES_SYNC_AT_LOGIN: the user's roles
 * are those the mapping gives their groups claim; none means the registration role.
 */
function fabRoles(
  claim: string[],
  mapping: Record<string, string[]>,
): string[] {
  const roles = [...new Set(claim.flatMap(g => mapping[g] ?? []))].sort();
  return roles.length ? roles : ['Public'];
}

async function keycloakAdminApi(sandbox: Sandbox) {
  const kc = sandbox.keycloak!;
  const login = await fetch(
    `${kc.url}/realms/master/protocol/openid-connect/token`,
    {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: kc.adminUsername,
        password: kc.adminPassword,
      }),
    },
  );
  const { access_token: token } = (await login.json()) as {
    access_token: string;
  };
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${kc.url}/admin/realms/${kc.realm}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    }
    const text = await res.text();
    return {
      json: text ? JSON.parse(text) : undefined,
      location: res.headers.get('location') ?? '',
    };
  };
}

describe('Airflow from the portal (real scaffolder backend, sandbox)', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  let first: Awaited<ReturnType<typeof portal.run>>;

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [repoTemplate('airflow'), instanceEntity],
    });
    first = await portal.run('airflow', values, PEOPLE.alice);
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('deploys Airflow and its database to Ready, showing the deploy key', () => {
    if (first.status !== 'completed') throw new Error(first.log);
    expect({ status: first.status, log: first.log }).toMatchObject({
      status: 'completed',
    });
    for (const name of [NAME, `${NAME}-postgresql`]) {
      const ready = (
        release(portal.sandbox, name)!.status as any
      ).conditions.find((c: any) => c.type === 'Ready');
      expect({ name, status: ready.status }).toEqual({ name, status: 'True' });
    }
    const git = secretData(portal.sandbox, `${NAME}-git`);
    expect(git.gitSshKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(git['gitSshKey.pub']).toMatch(
      new RegExp(`^ssh-ed25519 AAAA[A-Za-z0-9+/=]+ airflow-${NAME}$`),
    );
    // The template's output text carries the public key, as a deploy key to add.
    const text = JSON.stringify(first.output);
    expect(text).toContain(git['gitSshKey.pub']);
    const spec = (release(portal.sandbox, NAME)!.spec as any).values;
    expect(spec.dags.gitSync).toMatchObject({
      enabled: true,
      repo: values.gitRepository,
      ref: 'main',
      subPath: 'dags',
      sshKeySecret: `${NAME}-git`,
    });
    expect(spec.data.metadataSecretName).toBe(`${NAME}-postgresql`);
    expect(spec.fernetKeySecretName).toBe(`${NAME}-secrets`);
    expect(spec.webserverSecretKeySecretName).toBe(`${NAME}-secrets`);
  });

  it('generates the Fernet key and webserver key once, and a re-run writes nothing', async () => {
    const before = {
      secrets: secretData(portal.sandbox, `${NAME}-secrets`),
      git: secretData(portal.sandbox, `${NAME}-git`),
      db: secretData(portal.sandbox, `${NAME}-postgresql`),
    };
    expect(Buffer.from(before.secrets['fernet-key'], 'base64url')).toHaveLength(
      32,
    );
    expect(before.secrets['webserver-secret-key']).toMatch(/^[0-9a-f]{64}$/);
    expect(before.db.connection).toBe(
      `postgresql://airflow:${before.db.password}@${NAME}-postgresql.${NAMESPACE}:5432/airflow?sslmode=disable`,
    );
    const mark = portal.sandbox.log.entries().length;
    const again = await portal.run('airflow', values, PEOPLE.alice);
    expect(again.status).toBe('completed');
    expect(portal.writesSince(mark)).toEqual([]);
    expect({
      secrets: secretData(portal.sandbox, `${NAME}-secrets`),
      git: secretData(portal.sandbox, `${NAME}-git`),
      db: secretData(portal.sandbox, `${NAME}-postgresql`),
    }).toEqual(before);
    // The same public key is shown again.
    expect(JSON.stringify(again.output)).toContain(before.git['gitSshKey.pub']);
  });

  it('dry-runs a change without writing anything', async () => {
    const mark = portal.sandbox.log.entries().length;
    const dry = await portal.dryRun(
      'airflow',
      { ...values, gitBranch: 'release' },
      PEOPLE.alice,
    );
    expect(dry.status).toBe(200);
    expect(JSON.stringify(dry.body.log ?? dry.body)).toMatch(/HelmRelease/);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('gives a member of the group mapped to Viewer the Viewer role and nothing more', async () => {
    const hr = release(portal.sandbox, NAME)!;
    const mappings = JSON.parse(
      hr.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
    ) as Record<string, string[]>;
    const [viewerGroup] = mappings.Viewer;
    expect(mappings.Viewer).toEqual([viewerGroup]);

    const api = await keycloakAdminApi(portal.sandbox);
    const created = await api('POST', '/users', {
      username: 'vic',
      enabled: true,
      email: 'vic@example.com',
      credentials: [{ type: 'password', value: 'vic', temporary: false }],
    });
    const userId = created.location.split('/').pop()!;
    const group = (await api('GET', `/group-by-path${viewerGroup}`)).json;
    await api('PUT', `/users/${userId}/groups/${group.id}`);
    const [client] = (await api('GET', `/clients?clientId=${NAME}`)).json;
    await api('PUT', `/clients/${client.id}`, {
      ...client,
      directAccessGrantsEnabled: true,
    });
    const kc = portal.sandbox.keycloak!;
    const token = await fetch(
      `${kc.url}/realms/${kc.realm}/protocol/openid-connect/token`,
      {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: NAME,
          client_secret: secretData(portal.sandbox, `${NAME}-oidc`)[
            'client-secret'
          ],
          username: 'vic',
          password: 'vic',
          scope: 'openid',
        }),
      },
    );
    expect(token.status).toBe(200);
    const { id_token: idToken } = (await token.json()) as { id_token: string };
    const claims = JSON.parse(
      Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8'),
    );
    expect(claims.groups).toEqual([viewerGroup]);

    const config = (hr.spec as any).values.webserver.webserverConfig as string;
    expect(config).toMatch(/^AUTH_ROLES_SYNC_AT_LOGIN = True$/m);
    expect(config).toMatch(/^AUTH_USER_REGISTRATION_ROLE = "Public"$/m);
    const mapping = rolesMappingOf(config);
    expect(mapping[viewerGroup]).toEqual(['Viewer']);
    expect(fabRoles(claims.groups, mapping)).toEqual(['Viewer']);
    // Someone in no mapped group gets nothing but Public.
    expect(fabRoles(['/somewhere/else'], mapping)).toEqual(['Public']);
  });

  it('leaks none of its secrets in task logs, outputs, release values or annotations', () => {
    const secrets = [
      secretData(portal.sandbox, `${NAME}-secrets`)['fernet-key'],
      secretData(portal.sandbox, `${NAME}-secrets`)['webserver-secret-key'],
      secretData(portal.sandbox, `${NAME}-git`).gitSshKey,
      secretData(portal.sandbox, `${NAME}-oidc`)['client-secret'],
      secretData(portal.sandbox, `${NAME}-postgresql`).password,
      secretData(portal.sandbox, `${NAME}-postgresql`)['postgres-password'],
    ];
    expect(secrets.every(s => typeof s === 'string' && s.length >= 20)).toBe(
      true,
    );
    // The private key's body, without its fixed header, is what must not appear.
    const needles = secrets.map(s =>
      s.includes('PRIVATE KEY') ? s.split('\n')[2] : s,
    );
    const channels = {
      taskLog: first.log,
      taskOutput: JSON.stringify(first.output),
      releases: JSON.stringify(
        [NAME, `${NAME}-postgresql`].map(n => release(portal.sandbox, n)),
      ),
      requestLog: JSON.stringify(
        portal.sandbox.log.entries().filter(e => !e.path.includes('/secrets')),
      ),
    };
    const hits = Object.entries(channels).flatMap(([channel, text]) =>
      needles.flatMap((n, i) =>
        text.includes(n) ? [`${channel}: secret #${i}`] : [],
      ),
    );
    expect(hits).toEqual([]);
  });

  it('decommissions with keep-data: Airflow and its client go, the database release, its credentials and volumes stay', async () => {
    const db = secretData(portal.sandbox, `${NAME}-postgresql`);
    const claimsBefore = portal.sandbox.clusters[0].simulator
      .list('v1', 'PersistentVolumeClaim', { namespace: NAMESPACE })
      .map(c => c.metadata.name)
      .sort();
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/${instanceEntity.metadata.name}`,
        confirmName: NAME,
        keepData: true,
      },
      PEOPLE.alice,
    );
    expect({ status: task.status, log: task.log }).toMatchObject({
      status: 'completed',
    });
    expect(release(portal.sandbox, NAME)).toBeUndefined();
    const database = release(portal.sandbox, `${NAME}-postgresql`)!;
    expect(database.metadata.labels?.[ML_PLATFORM_LABELS.component]).toBe(
      'database',
    );
    // Its chart source stays with it, so that Flux keeps reconciling it.
    const source = (database.spec as any).chart.spec.sourceRef.name;
    expect(
      portal.sandbox.clusters[0].simulator.get(
        'source.toolkit.fluxcd.io/v1',
        'HelmRepository',
        source,
        NAMESPACE,
      ),
    ).toBeDefined();
    // The credentials that open the kept database, unchanged; the client's are gone.
    expect(secretData(portal.sandbox, `${NAME}-postgresql`)).toEqual(db);
    expect(secretData(portal.sandbox, `${NAME}-oidc`)).toEqual({});
    expect(
      portal.sandbox.clusters[0].simulator
        .list('v1', 'PersistentVolumeClaim', { namespace: NAMESPACE })
        .map(c => c.metadata.name)
        .sort(),
    ).toEqual(claimsBefore);
  });

  it('removes what keep-data kept when decommissioned again without it', async () => {
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/${instanceEntity.metadata.name}`,
        confirmName: NAME,
        keepData: false,
      },
      PEOPLE.alice,
    );
    expect({ status: task.status, log: task.log }).toMatchObject({
      status: 'completed',
    });
    expect(release(portal.sandbox, `${NAME}-postgresql`)).toBeUndefined();
    expect(secretData(portal.sandbox, `${NAME}-postgresql`)).toEqual({});
    expect(secretData(portal.sandbox, `${NAME}-git`)).toEqual({});
  });

  it('syncs a private repository over HTTPS with a token typed in the form, kept in a Secret only', async () => {
    const name = 'airflow-https';
    const https = {
      ...values,
      name,
      gitRepository: 'https://gitlab.example.com/ml/dags.git',
      gitUsername: 'oauth2',
    };
    // Without the token: refused before any write, naming the secret.
    const mark = portal.sandbox.log.entries().length;
    const refused = await portal.run('airflow', https, PEOPLE.alice);
    expect(refused.status).toBe('failed');
    expect(refused.log).toMatch(/secrets\.gitToken is required/);
    expect(portal.writesSince(mark)).toEqual([]);

    const token = 'glpat-Tok3nThatMustNeverLeak0123';
    const done = await portal.run('airflow', https, PEOPLE.alice, {
      gitToken: token,
    });
    expect({ status: done.status, log: done.log }).toMatchObject({
      status: 'completed',
    });
    const creds = portal.sandbox.clusters[0].simulator.get(
      'v1',
      'Secret',
      `${name}-git-https`,
      NAMESPACE,
    )!;
    const plain = Object.fromEntries(
      Object.entries(creds.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
    expect(plain).toEqual({
      GIT_SYNC_USERNAME: 'oauth2',
      GITSYNC_USERNAME: 'oauth2',
      GIT_SYNC_PASSWORD: token,
      GITSYNC_PASSWORD: token,
    });
    const hr = release(portal.sandbox, name)!;
    expect((hr.spec as any).values.dags.gitSync.credentialsSecret).toBe(
      `${name}-git-https`,
    );
    const channels = [
      done.log,
      JSON.stringify(done.output),
      JSON.stringify(hr),
      JSON.stringify(
        portal.sandbox.log.entries().filter(e => !e.path.includes('/secrets')),
      ),
    ];
    expect(channels.filter(c => c.includes(token))).toEqual([]);

    // A re-run without typing the token again keeps it, and writes nothing.
    const again = portal.sandbox.log.entries().length;
    const rerun = await portal.run('airflow', https, PEOPLE.alice);
    expect(rerun.status).toBe('completed');
    expect(portal.writesSince(again)).toEqual([]);
  });
});
