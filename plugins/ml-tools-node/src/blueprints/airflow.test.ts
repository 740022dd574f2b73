import {
  airflowBlueprint,
  airflowRolesMapping,
  gitWebUrl,
  type AirflowParameters,
} from './airflow';
import {
  blueprintParts,
  createBlueprintContext,
  deriveSecretValues,
  secretsBySecretName,
} from './context';
import type { BlueprintContext, BlueprintRelease } from './types';

const config = {
  baseDomain: 'ml.example.com',
  ingressScheme: 'https' as const,
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml',
    authRealm: 'ml',
    clientId: 'backstage',
    clientSecret: 'x',
    consoleBaseUrl: 'https://sso.example.com',
    requestTimeoutMs: 1000,
  },
};

function context(
  params: Partial<AirflowParameters> = {},
  roleMappings: Record<string, string[]> = {
    Admin: ['/vision'],
    Op: [],
    User: ['/vision', '/data/eng'],
    Viewer: ['/data/analysts'],
  },
): BlueprintContext<AirflowParameters> {
  return createBlueprintContext(config, {
    blueprint: airflowBlueprint,
    instance: { cluster: 'prod', namespace: 'ml-flows', name: 'flows' },
    owner: 'group:default/vision',
    params: airflowBlueprint.parameters.parse(params),
    roleMappings,
  }) as BlueprintContext<AirflowParameters>;
}

function mainValues(ctx: BlueprintContext<AirflowParameters>): any {
  return (blueprintParts(airflowBlueprint, ctx)[0] as BlueprintRelease).values;
}

describe('the Airflow blueprint', () => {
  it('maps each group to every role it is granted, and nothing else', () => {
    expect(
      airflowRolesMapping({
        Admin: ['/vision'],
        Op: [],
        User: ['/vision', '/data/eng'],
        Viewer: ['/data/analysts'],
      }),
    ).toEqual({
      '/data/analysts': ['Viewer'],
      '/data/eng': ['User'],
      '/vision': ['Admin', 'User'],
    });
    expect(airflowRolesMapping({})).toEqual({});
  });

  it('writes a webserver_config.py that signs in with the realm and never holds the client secret', () => {
    const values = mainValues(context());
    const py: string = values.webserver.webserverConfig;
    expect(py).toMatch(/^AUTH_TYPE = AUTH_OAUTH$/m);
    expect(py).toMatch(/^AUTH_ROLES_SYNC_AT_LOGIN = True$/m);
    expect(py).toMatch(/^AUTH_USER_REGISTRATION_ROLE = "Public"$/m);
    expect(py).toContain(
      'AUTH_ROLES_MAPPING = {"/data/analysts":["Viewer"],"/data/eng":["User"],"/vision":["Admin","User"]}',
    );
    expect(py).toContain(
      '"client_secret": os.environ["AIRFLOW_OAUTH_CLIENT_SECRET"]',
    );
    expect(py).toContain(
      '"server_metadata_url": "https://sso.example.com/realms/ml/.well-known/openid-configuration"',
    );
    expect(py).toContain('"role_keys": claims.get("groups", [])');
    // The environment variable is fed by the client's Secret, for the webserver only.
    expect(values.webserver.env).toEqual([
      {
        name: 'AIRFLOW_OAUTH_CLIENT_SECRET',
        valueFrom: {
          secretKeyRef: { name: 'flows-oidc', key: 'client-secret' },
        },
      },
    ]);
    expect(values.webserver.defaultUser).toEqual({ enabled: false });
  });

  it('hands every secret to the chart by Secret reference and confines RBAC to the namespace', () => {
    const values = mainValues(context());
    expect(values).toMatchObject({
      fernetKeySecretName: 'flows-secrets',
      webserverSecretKeySecretName: 'flows-secrets',
      data: { metadataSecretName: 'flows-postgresql' },
      postgresql: { enabled: false },
      multiNamespaceMode: false,
      rbac: { create: true },
    });
    expect(JSON.stringify(values)).not.toMatch(
      /fernetKey"|webserverSecretKey"|"pass"/,
    );
  });

  it('syncs DAGs over SSH with the generated key, or over HTTPS without one', () => {
    expect(mainValues(context()).dags.gitSync).toEqual({ enabled: false });
    const ssh = mainValues(
      context({
        gitRepository: 'git@gitlab.example.com:ml/dags.git',
        gitBranch: 'prod',
      }),
    ).dags.gitSync;
    expect(ssh).toEqual({
      enabled: true,
      repo: 'git@gitlab.example.com:ml/dags.git',
      ref: 'prod',
      branch: 'prod',
      rev: 'HEAD',
      subPath: '',
      sshKeySecret: 'flows-git',
    });
    const https = mainValues(
      context({ gitRepository: 'https://github.com/ml/dags.git' }),
    ).dags.gitSync;
    expect(https.sshKeySecret).toBeUndefined();
    expect(https.credentialsSecret).toBeUndefined();
    const token = mainValues(
      context({
        gitRepository: 'https://gitlab.example.com/ml/dags.git',
        gitUsername: 'oauth2',
      }),
    ).dags.gitSync;
    expect(token.credentialsSecret).toBe('flows-git-https');
    const tokenKeys = secretsBySecretName(airflowBlueprint, 'flows').get(
      'flows-git-https',
    )!;
    const required = (params: Partial<AirflowParameters>) =>
      tokenKeys
        .filter(k => 'fromTaskSecret' in k && k.requiredWhen?.(context(params)))
        .map(k => k.key);
    expect(
      required({
        gitRepository: 'https://gitlab.example.com/ml/dags.git',
        gitUsername: 'oauth2',
      }),
    ).toEqual(['GIT_SYNC_PASSWORD', 'GITSYNC_PASSWORD']);
    expect(required({ gitRepository: 'git@host:ml/dags.git' })).toEqual([]);
    expect(() =>
      airflowBlueprint.parameters.parse({ gitRepository: 'ftp://x/y' }),
    ).toThrow(/SSH .* or HTTPS Git URL/);
    expect(() =>
      airflowBlueprint.parameters.parse({ gitBranch: 'main; rm -rf /' }),
    ).toThrow(/branch name/);
  });

  it('builds the database connection URI from the generated password', () => {
    const ctx = context();
    const secrets = secretsBySecretName(airflowBlueprint, 'flows').get(
      'flows-postgresql',
    )!;
    const all = deriveSecretValues(secrets, ctx, {
      password: 'p4ss',
      'postgres-password': 'root',
      username: 'airflow',
    });
    expect(all.connection).toBe(
      'postgresql://airflow:p4ss@flows-postgresql.ml-flows:5432/airflow?sslmode=disable',
    );
    expect(
      secretsBySecretName(airflowBlueprint, 'flows').get('flows-git'),
    ).toEqual([
      expect.objectContaining({
        key: 'gitSshKey',
        generate: { kind: 'ssh-ed25519' },
      }),
      expect.objectContaining({
        key: 'gitSshKey.pub',
        publicKeyOf: 'gitSshKey',
      }),
    ]);
  });

  it('links the UI, the REST API and the DAG repository in a browser', () => {
    expect(
      airflowBlueprint.links(
        context({ gitRepository: 'git@github.com:ml/dags.git' }),
      ),
    ).toEqual([
      expect.objectContaining({
        url: 'https://flows.ml.example.com/',
        type: 'ui',
      }),
      expect.objectContaining({
        url: 'https://flows.ml.example.com/api/v1/ui/',
        type: 'api',
      }),
      expect.objectContaining({
        url: 'https://github.com/ml/dags',
        type: 'source',
      }),
    ]);
    expect(gitWebUrl('ssh://git@host.example.com:2222/a/b.git')).toBe(
      'https://host.example.com/a/b',
    );
    expect(gitWebUrl('https://github.com/a/b.git')).toBe(
      'https://github.com/a/b',
    );
  });
});
