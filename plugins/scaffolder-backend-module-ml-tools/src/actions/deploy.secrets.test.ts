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
        parameters: { storageType: 'nfs', nfsServer: 'nfs.local', nfsPath: '/x' },
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
        decode(pixanoOidc['client-secret']),
        decode(pixanoOidc['cookie-secret']),
      ];
      const client = await h.keycloak.findClientByClientId('mlflow-vision');
      expect(decode(oidc['client-secret'])).toBe(
        await h.keycloak.getClientSecret(client!.id!),
      );
      // password, postgres-password, rootUser, rootPassword, three client secrets, two
      // cookie secrets.
      expect(secrets).toHaveLength(9);
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
});
