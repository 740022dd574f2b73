import { notebookViewerBlueprint } from '../__testUtils__/blueprints';
import {
  mlflowInput,
  startHarness,
  type RunResult,
} from '../__testUtils__/harness';

jest.setTimeout(120_000);

/** Every way a secret could show up in text: raw, base64 and JSON-escaped. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret, 'utf8').toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

function haystack(result: RunResult): string {
  return [
    ...result.logs,
    JSON.stringify(result.outputs),
    JSON.stringify([...result.checkpoints.entries()]),
    result.error ? `${result.error.message}\n${result.error.stack}` : '',
  ].join('\n');
}

describe('secrets never leave the Secrets they live in', () => {
  it('finds no generated secret nor client secret in logs, outputs, checkpoints, task state or dry-run reports', async () => {
    const h = await startHarness({
      pullSecret: true,
      blueprints: [notebookViewerBlueprint],
    });
    try {
      const texts: string[] = [];
      // A run interrupted half-way and resumed: failure reasons are persisted too.
      h.crashAfterCalls(20);
      const crashed = await h.run('ml-tools:deploy', mlflowInput());
      texts.push(haystack(crashed));
      // Faults make the gateways log their retries.
      h.sandbox.faults.add({
        match: { server: 'keycloak' },
        errorRate: 1,
        status: 503,
        retryAfterSeconds: 0,
        times: 3,
      });
      h.sandbox.faults.add({
        match: { server: 'kubernetes' },
        errorRate: 1,
        status: 429,
        retryAfterSeconds: 0,
        times: 3,
      });
      const resumed = await h.run('ml-tools:deploy', mlflowInput(), {
        checkpoints: crashed.checkpoints,
      });
      h.sandbox.faults.clear();
      expect(resumed.error).toBeUndefined();
      texts.push(haystack(resumed));
      texts.push(haystack(await h.run('ml-tools:deploy', mlflowInput())));
      texts.push(
        haystack(
          await h.run('ml-tools:deploy', mlflowInput(), { dryRun: true }),
        ),
      );
      texts.push(
        haystack(
          await h.run(
            'ml-tools:deploy',
            mlflowInput({ parameters: { databaseSize: '20Gi' } }),
            {
              dryRun: true,
            },
          ),
        ),
      );
      // A tool behind the auth proxy: its client also gets a cookie secret.
      const viewer = {
        blueprint: notebookViewerBlueprint.id,
        namespace: 'ml-vision',
        name: 'viewer-vision',
        owner: 'group:default/vision',
      };
      const viewerDeployed = await h.run('ml-tools:deploy', viewer);
      expect(viewerDeployed.error).toBeUndefined();
      texts.push(haystack(viewerDeployed));
      texts.push(
        haystack(await h.run('ml-tools:deploy', viewer, { dryRun: true })),
      );
      texts.push(
        haystack(
          await h.run('keycloak:client:ensure', {
            namespace: 'ml-vision',
            name: 'viewer-vision',
            tool: notebookViewerBlueprint.id,
            owner: 'group:default/vision',
            rootUrl: 'https://viewer-vision.sandbox.local',
            redirectUris: [
              'https://viewer-vision.sandbox.local/oauth2/callback',
            ],
            cookieSecret: true,
          }),
        ),
      );
      // JupyterHub: its client secret, and the hub's cookie secret, proxy token and
      // auth-state key, generated into its Secret and handed over by valuesFrom.
      const hub = {
        blueprint: 'jupyterhub',
        namespace: 'ml-vision',
        name: 'hub-vision',
        owner: 'group:default/vision',
        parameters: { storageSize: '20Gi' },
      };
      const hubDeployed = await h.run('ml-tools:deploy', hub);
      expect(hubDeployed.error).toBeUndefined();
      texts.push(haystack(hubDeployed));
      texts.push(haystack(await h.run('ml-tools:deploy', hub)));
      texts.push(
        haystack(await h.run('ml-tools:deploy', hub, { dryRun: true })),
      );
      texts.push(
        haystack(
          await h.run(
            'ml-tools:decommission',
            { namespace: 'ml-vision', name: 'hub-vision', keepData: true },
            { dryRun: true },
          ),
        ),
      );
      // The release object itself: values and valuesFrom only name the Secrets.
      texts.push(
        JSON.stringify(
          h.cluster.simulator.get(
            'helm.toolkit.fluxcd.io/v2',
            'HelmRelease',
            'hub-vision',
            'ml-vision',
          ),
        ),
      );
      texts.push(
        haystack(
          await h.run(
            'ml-tools:decommission',
            { namespace: 'ml-vision', name: 'mlflow-vision', keepData: true },
            { dryRun: true },
          ),
        ),
      );
      // Pixano on app-template behind the auth proxy: its client and cookie secrets.
      const pixano = {
        blueprint: 'pixano',
        namespace: 'ml-vision',
        name: 'pixano-vision',
        owner: 'group:default/vision',
        parameters: {
          storageType: 'nfs',
          nfsServer: 'nfs.local',
          nfsPath: '/x',
        },
      };
      const pixanoDeployed = await h.run('ml-tools:deploy', pixano);
      expect(pixanoDeployed.error).toBeUndefined();
      texts.push(haystack(pixanoDeployed));
      texts.push(
        haystack(await h.run('ml-tools:deploy', pixano, { dryRun: true })),
      );
      texts.push(
        haystack(
          await h.run(
            'ml-tools:decommission',
            { namespace: 'ml-vision', name: 'pixano-vision', keepData: true },
            { dryRun: true },
          ),
        ),
      );
      texts.push(
        ...['pixano-vision', 'pixano-vision-proxy'].map(n =>
          JSON.stringify(
            h.cluster.simulator.get(
              'helm.toolkit.fluxcd.io/v2',
              'HelmRelease',
              n,
              'ml-vision',
            ),
          ),
        ),
      );
      texts.push(...h.gatewayLogs);

      const sim = h.cluster.simulator;
      const data = (name: string) =>
        sim.get('v1', 'Secret', name, 'ml-vision')!.data as Record<
          string,
          string
        >;
      const decode = (v: string) => Buffer.from(v, 'base64').toString('utf8');
      const oidc = data('mlflow-vision-oidc');
      const viewerOidc = data('viewer-vision-oidc');
      const hubSecrets = data('hub-vision-secrets');
      const hubOidc = data('hub-vision-oidc');
      const pixanoOidc = data('pixano-vision-oidc');
      const secrets = [
        ...Object.entries({
          ...data('mlflow-vision-postgresql'),
          ...data('mlflow-vision-secrets'),
        })
          // The database user name is a fixed, non-secret value.
          .filter(([key]) => key !== 'username')
          .map(([, v]) => decode(v)),
        decode(oidc['client-secret']),
        decode(viewerOidc['client-secret']),
        decode(viewerOidc['cookie-secret']),
        decode(hubSecrets['cookie-secret']),
        decode(hubSecrets['proxy-token']),
        decode(hubSecrets['crypt-key']),
        decode(hubOidc['client-secret']),
        decode(pixanoOidc['client-secret']),
        decode(pixanoOidc['cookie-secret']),
      ];
      const client = await h.keycloak.findClientByClientId('mlflow-vision');
      expect(decode(oidc['client-secret'])).toBe(
        await h.keycloak.getClientSecret(client!.id!),
      );
      // password, postgres-password, rootUser, rootPassword, two client secrets, one
      // cookie secret; the hub's cookie secret, proxy token, crypt key, client secret;
      // Pixano's client secret and cookie secret.
      expect(secrets).toHaveLength(13);
      expect(h.gatewayLogs.length).toBeGreaterThan(0);

      const all = texts.join('\n');
      const hits = secrets.flatMap(secret =>
        forms(secret).filter(form => all.includes(form)),
      );
      expect(hits).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('finds neither the Keycloak server admin password nor its database passwords in logs, outputs, checkpoints, release values or reports', async () => {
    const h = await startHarness({ pullSecret: true });
    try {
      const input = {
        blueprint: 'keycloak',
        namespace: 'ml-identity',
        name: 'sso-vision',
        owner: 'group:default/vision',
        parameters: { databaseSize: '16Gi' },
      };
      const texts: string[] = [];
      // Interrupted after the secrets and the database release, then resumed.
      h.crashAfterCalls(12);
      const crashed = await h.run('ml-tools:deploy', input);
      expect(crashed.error).toBeDefined();
      texts.push(haystack(crashed));
      h.sandbox.faults.add({
        match: { server: 'kubernetes' },
        errorRate: 1,
        status: 429,
        retryAfterSeconds: 0,
        times: 3,
      });
      const resumed = await h.run('ml-tools:deploy', input, {
        checkpoints: crashed.checkpoints,
      });
      h.sandbox.faults.clear();
      expect(resumed.error).toBeUndefined();
      texts.push(haystack(resumed));
      texts.push(haystack(await h.run('ml-tools:deploy', input)));
      texts.push(
        haystack(await h.run('ml-tools:deploy', input, { dryRun: true })),
      );
      const decommission = {
        namespace: 'ml-identity',
        name: 'sso-vision',
        keepData: true,
      };
      texts.push(
        haystack(
          await h.run('ml-tools:decommission', decommission, { dryRun: true }),
        ),
      );
      // Read before the real decommission, which removes the admin Secret's siblings.
      const sim = h.cluster.simulator;
      const decode = (v: string) => Buffer.from(v, 'base64').toString('utf8');
      const data = (name: string) =>
        sim.get('v1', 'Secret', name, 'ml-identity')!.data as Record<
          string,
          string
        >;
      const admin = data('sso-vision-secrets');
      const database = data('sso-vision-postgresql');
      const secrets = [
        decode(admin['admin-password']),
        decode(database.password),
        decode(database['postgres-password']),
      ];
      // The releases as the release controller and the catalog provider read them.
      texts.push(
        JSON.stringify(
          sim.list('helm.toolkit.fluxcd.io/v2', 'HelmRelease', {
            namespace: 'ml-identity',
          }),
        ),
      );
      texts.push(haystack(await h.run('ml-tools:decommission', decommission)));
      texts.push(...h.gatewayLogs);

      expect(secrets.every(v => v.length === 32)).toBe(true);
      const all = texts.join('\n');
      expect(all).toContain('sso-vision-postgresql');
      const hits = secrets.flatMap(secret =>
        forms(secret).filter(form => all.includes(form)),
      );
      expect(hits).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it("finds none of an Airflow instance's secrets (Fernet key, webserver key, SSH private key, Git token, database passwords, client secret) anywhere", async () => {
    const h = await startHarness();
    try {
      const texts: string[] = [];
      const input = {
        blueprint: 'airflow',
        namespace: 'ml-flows',
        name: 'flows',
        owner: 'group:default/vision',
        roleMappings: {
          Admin: ['group:default/vision'],
          Viewer: ['group:default/data-scientists'],
        },
        parameters: { gitRepository: 'git@github.com:ml/dags.git' },
      };
      h.crashAfterCalls(25);
      const crashed = await h.run('ml-tools:deploy', input);
      texts.push(haystack(crashed));
      const resumed = await h.run('ml-tools:deploy', input, {
        checkpoints: crashed.checkpoints,
      });
      expect(resumed.error).toBeUndefined();
      texts.push(haystack(resumed));
      texts.push(haystack(await h.run('ml-tools:deploy', input)));
      texts.push(
        haystack(await h.run('ml-tools:deploy', input, { dryRun: true })),
      );
      const token = 'glpat-AirflowToken0123456789';
      const https = {
        ...input,
        name: 'flows-https',
        parameters: {
          gitRepository: 'https://gitlab.example.com/ml/dags.git',
          gitUsername: 'oauth2',
        },
      };
      const withToken = await h.run('ml-tools:deploy', https, {
        secrets: { gitToken: token },
      });
      expect(withToken.error).toBeUndefined();
      texts.push(haystack(withToken));
      texts.push(
        haystack(
          await h.run('ml-tools:deploy', https, {
            dryRun: true,
            secrets: { gitToken: token },
          }),
        ),
      );
      texts.push(
        haystack(
          await h.run(
            'ml-tools:decommission',
            { namespace: 'ml-flows', name: 'flows', keepData: true },
            { dryRun: true },
          ),
        ),
      );
      texts.push(...h.gatewayLogs);

      const sim = h.cluster.simulator;
      const plain = (name: string) =>
        Object.fromEntries(
          Object.entries(
            sim.get('v1', 'Secret', name, 'ml-flows')!.data as Record<
              string,
              string
            >,
          ).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      const privateKey = plain('flows-git').gitSshKey;
      const secrets = [
        plain('flows-secrets')['fernet-key'],
        plain('flows-secrets')['webserver-secret-key'],
        plain('flows-postgresql').password,
        plain('flows-postgresql')['postgres-password'],
        plain('flows-postgresql').connection,
        plain('flows-oidc')['client-secret'],
        plain('flows-https-git-https').GITSYNC_PASSWORD,
        // Every line of the private key's body, each on its own.
        ...privateKey
          .split('\n')
          .filter(l => l.length >= 40 && !l.startsWith('-')),
      ];
      expect(plain('flows-https-git-https').GITSYNC_PASSWORD).toBe(token);
      expect(secrets.every(s => s.length >= 20)).toBe(true);
      // The public half is shown, on purpose.
      expect(resumed.outputs.publicKeys).toEqual([
        expect.objectContaining({ value: plain('flows-git')['gitSshKey.pub'] }),
      ]);

      const all = texts.join('\n');
      const hits = secrets.flatMap(secret =>
        forms(secret).filter(form => all.includes(form)),
      );
      expect(hits).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
