import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { featureCacheBlueprint } from '@ml-platform/plugin-ml-tools-node';
import { startHarness, writesSince } from './__testUtils__/harness';

/*
 * The "Adding a tool" guide of plugins/ml-tools-node/README.md shows a complete made-up
 * blueprint. Its text is the example file, and the example deploys: the guide cannot rot.
 */

jest.setTimeout(120_000);

const NODE_PACKAGE = resolve(__dirname, '../../ml-tools-node');

describe('the README example blueprint', () => {
  it('is the example file, word for word past its imports', () => {
    const readme = readFileSync(resolve(NODE_PACKAGE, 'README.md'), 'utf8');
    const file = readFileSync(
      resolve(NODE_PACKAGE, 'src/blueprints/examples/featureCache.ts'),
      'utf8',
    );
    // The file imports from inside the package; the README from the package's name.
    const body = file.slice(file.indexOf('\nconst ') + 1).trimEnd();
    expect(body.length).toBeGreaterThan(1000);
    expect(readme).toContain(`${body}\n\`\`\``);
    expect(readme).toContain(
      "} from '@ml-platform/plugin-ml-tools-node';\n\nconst parameters",
    );
  });

  it('deploys against the sandbox to Ready, re-runs with zero writes and decommissions', async () => {
    const h = await startHarness({ blueprints: [featureCacheBlueprint] });
    try {
      const input = {
        blueprint: featureCacheBlueprint.id,
        namespace: 'ml-features',
        name: 'features-a',
        owner: 'group:default/vision',
        parameters: { size: '1Gi' },
      };
      const first = await h.run('ml-tools:deploy', input);
      expect(first.error).toBeUndefined();
      const sim = h.cluster.simulator;
      const release = sim.get(
        'helm.toolkit.fluxcd.io/v2',
        'HelmRelease',
        'features-a',
        'ml-features',
      )!;
      const ready = (release.status as any).conditions.find(
        (c: any) => c.type === 'Ready',
      );
      expect(ready.status).toBe('True');
      const values = JSON.stringify((release.spec as any).values);

      const secret = sim.get(
        'v1',
        'Secret',
        'features-a-secrets',
        'ml-features',
      )!;
      const data = secret.data as Record<string, string>;
      const password = Buffer.from(data.password, 'base64').toString('utf8');
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(Buffer.from(data.url, 'base64').toString('utf8')).toBe(
        `redis://:${password}@features-a-master.ml-features.svc:6379/0`,
      );
      expect(values).not.toContain(password);

      const config = sim.get(
        'v1',
        'ConfigMap',
        'features-a-connection',
        'ml-features',
      )!;
      expect(config.metadata.labels).toMatchObject({
        'ml-platform.io/instance': 'features-a',
        'app.kubernetes.io/component': 'connection',
      });
      expect(JSON.stringify(config)).not.toContain(password);

      const mark = h.sandbox.log.mark();
      const again = await h.run('ml-tools:deploy', input);
      expect(again.error).toBeUndefined();
      expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
      expect(
        Buffer.from(
          (
            sim.get('v1', 'Secret', 'features-a-secrets', 'ml-features')!
              .data as any
          ).password,
          'base64',
        ).toString('utf8'),
      ).toBe(password);

      const gone = await h.run('ml-tools:decommission', {
        namespace: 'ml-features',
        name: 'features-a',
      });
      expect(gone.error).toBeUndefined();
      expect(
        sim.get('v1', 'ConfigMap', 'features-a-connection', 'ml-features'),
      ).toBeUndefined();
      expect(
        sim.get(
          'helm.toolkit.fluxcd.io/v2',
          'HelmRelease',
          'features-a',
          'ml-features',
        ),
      ).toBeUndefined();
    } finally {
      await h.stop();
    }
  });
});
