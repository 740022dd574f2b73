import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startSandbox } from './sandbox';

function httpsGet(
  url: string,
  token: string,
  ca: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: { authorization: `Bearer ${token}` }, ca },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startSandbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts one cluster named sandbox and Keycloak by default', async () => {
    const sb = await startSandbox();
    try {
      expect(sb.clusters.map(c => c.name)).toEqual(['sandbox']);
      expect(sb.clusters[0].url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sb.keycloak).toMatchObject({
        realm: 'ml-platform',
        clientId: 'backstage',
        url: expect.stringMatching(/^http:/),
      });
      const discovery = await fetch(
        `${sb.keycloak!.url}/realms/${
          sb.keycloak!.realm
        }/.well-known/openid-configuration`,
      );
      expect(discovery.status).toBe(200);
      const kube = sb.kubeConfigFor('sandbox');
      expect(kube).toMatchObject({
        currentContext: 'sandbox',
        users: [{ token: sb.clusters[0].token }],
      });
      expect(sb.kubeConfigYamlFor('sandbox')).toContain(
        'insecure-skip-tls-verify: true',
      );
      expect(() => sb.cluster('nope')).toThrow(/No sandbox cluster/);
    } finally {
      await sb.stop();
    }
  });

  it('serves HTTPS with a self-signed CA given as caData', async () => {
    const sb = await startSandbox({
      keycloak: false,
      https: true,
      clusters: [{ name: 'secure', token: 'tok' }],
    });
    try {
      const c = sb.cluster('secure');
      expect(c.url).toMatch(/^https:/);
      const ca = Buffer.from(c.caData!, 'base64').toString();
      const res = await httpsGet(
        `${c.url}/api/v1/namespaces/default`,
        'tok',
        ca,
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).metadata.name).toBe('default');
      expect(sb.kubeConfigYamlFor('secure')).toContain(
        'certificate-authority-data',
      );
    } finally {
      await sb.stop();
    }
  });

  it('persists to and restores from a state file', async () => {
    const stateFile = join(dir, 'nested', 'state.json');
    const first = await startSandbox({
      stateFile,
      seed: true,
      clusters: [{ name: 'sandbox', token: 'fixed' }],
    });
    const sim = first.cluster('sandbox').simulator;
    expect(
      sim.get('apps/v1', 'Deployment', 'ml-platform-backstage', 'ml-tools')
        ?.metadata.labels,
    ).toMatchObject({
      'backstage.io/kubernetes-id': 'ml-platform-backstage',
    });
    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kept', namespace: 'default' },
      data: { a: '1' },
    });
    const credentials = first.keycloak!;
    await first.save();
    await first.stop();
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).version).toBe(1);
    // It holds Secrets and client secrets: readable by its owner only.
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const second = await startSandbox({
      stateFile,
      seed: true,
      clusters: [{ name: 'sandbox', token: 'fixed' }],
    });
    try {
      const restored = second.cluster('sandbox').simulator;
      expect(restored.get('v1', 'ConfigMap', 'kept', 'default')?.data).toEqual({
        a: '1',
      });
      expect(restored.cluster.store.resourceVersion()).toBe(
        sim.cluster.store.resourceVersion(),
      );
      expect(second.keycloak).toMatchObject({
        clientSecret: credentials.clientSecret,
        realm: credentials.realm,
      });
    } finally {
      await second.stop();
    }
  });

  it('rejects duplicate cluster names', async () => {
    await expect(
      startSandbox({
        keycloak: false,
        clusters: [{ name: 'a' }, { name: 'a' }],
      }),
    ).rejects.toThrow(/Duplicate/);
  });
});
