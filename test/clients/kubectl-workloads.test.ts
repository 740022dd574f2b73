/*
 * The real kubectl binaries against a started sandbox, with no extra flags: the workload
 * commands a platform engineer tries first (describe with events, rollout history and
 * undo, auth can-i / whoami, create token, logs, get nodes, deleting a pod gracefully).
 */
import {
  ClientSandbox,
  findClients,
  RunResult,
  startClientSandbox,
} from './support';

jest.setTimeout(120_000);

// Both kubectl binaries (kubectl-helm.test.ts names any that is missing, and fails in CI).
const clients = findClients();
const found = [
  { label: 'system kubectl', path: clients.systemKubectl },
  { label: 'kubectl 1.33 (.tools)', path: clients.layerKubectl },
].filter((c): c is { label: string; path: string } => Boolean(c.path));

function ok(r: RunResult): string {
  if (r.code !== 0) {
    throw new Error(`kubectl exited ${r.code}: ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

const describeEach = found.length
  ? describe.each(found)
  : describe.skip.each([{ label: 'kubectl (none found)', path: '' }]);

describeEach('$label', ({ path }) => {
  let s: ClientSandbox;
  const k = async (...args: string[]) => ok(await s.run(path, args));

  beforeAll(async () => {
    s = await startClientSandbox();
    await k('create', 'namespace', 'work');
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('rolls a deployment out, lists its revisions and undoes the last one', async () => {
    await k(
      '-n',
      'work',
      'create',
      'deployment',
      'web',
      '--image=nginx:1.25',
      '--replicas=2',
    );
    expect(
      await k(
        '-n',
        'work',
        'rollout',
        'status',
        'deployment/web',
        '--timeout=30s',
      ),
    ).toContain('successfully rolled out');
    await k('-n', 'work', 'set', 'image', 'deployment/web', 'nginx=nginx:1.26');
    await k(
      '-n',
      'work',
      'rollout',
      'status',
      'deployment/web',
      '--timeout=30s',
    );
    const history = await k(
      '-n',
      'work',
      'rollout',
      'history',
      'deployment/web',
    );
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+<none>$/m);
    expect(
      await k(
        '-n',
        'work',
        'rollout',
        'history',
        'deployment/web',
        '--revision=1',
      ),
    ).toContain('nginx:1.25');

    expect(
      await k('-n', 'work', 'rollout', 'undo', 'deployment/web'),
    ).toContain('rolled back');
    await k(
      '-n',
      'work',
      'rollout',
      'status',
      'deployment/web',
      '--timeout=30s',
    );
    expect(
      await k(
        '-n',
        'work',
        'get',
        'deployment',
        'web',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
      ),
    ).toBe('nginx:1.25 3');
    const after = await k('-n', 'work', 'rollout', 'history', 'deployment/web');
    expect(after).toMatch(/^2\s+<none>$/m);
    expect(after).toMatch(/^3\s+<none>$/m);
    expect(after).not.toMatch(/^1\s/m);
    const images = await k(
      '-n',
      'work',
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={range .items[*]}{.spec.containers[0].image}{"\\n"}{end}',
    );
    expect(images.trim().split('\n')).toEqual(['nginx:1.25', 'nginx:1.25']);
  });

  it('describes a deployment and a pod with their events', async () => {
    const deploy = await k('-n', 'work', 'describe', 'deployment', 'web');
    expect(deploy).toMatch(/Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    expect(deploy).toMatch(
      /Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-\w+ from 0 to 2/,
    );
    const pod = (
      await k('-n', 'work', 'get', 'pods', '-l', 'app=web', '-o', 'name')
    ).split('\n')[0];
    const described = await k('-n', 'work', 'describe', pod);
    for (const reason of [
      'Scheduled',
      'Pulling',
      'Pulled',
      'Created',
      'Started',
    ])
      expect(described).toMatch(new RegExp(`Normal\\s+${reason}\\s`));
    expect(described).toMatch(
      /default-scheduler\s+Successfully assigned work\/web-\w+-\w+ to sandbox-node/,
    );
    expect(described).toMatch(/Node:\s+sandbox-node\/10\.0\.0\.10/);
  });

  it('lists the node with its readiness and versions', async () => {
    expect(await k('get', 'nodes', '-o', 'name')).toBe('node/sandbox-node\n');
    expect(
      await k(
        'get',
        'node',
        'sandbox-node',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.nodeInfo.kubeletVersion} {.status.capacity.cpu}',
      ),
    ).toMatch(/^True v1\.\d+\.\d+ 8$/);
    expect(await k('describe', 'node', 'sandbox-node')).toMatch(
      /Ready\s+True\s/,
    );
  });

  it('answers auth can-i and auth whoami', async () => {
    expect(
      (await k('auth', 'can-i', 'create', 'deployments', '-n', 'work')).trim(),
    ).toBe('yes');
    expect(
      (await k('auth', 'can-i', 'get', 'pods', '--subresource=log')).trim(),
    ).toBe('yes');
    expect(await k('auth', 'can-i', '--list', '-n', 'work')).toMatch(
      /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m,
    );
    expect(await k('auth', 'whoami')).toMatch(/Username\s+kubernetes-admin/);
  });

  it('creates a service-account token the sandbox accepts', async () => {
    await k('-n', 'work', 'create', 'serviceaccount', 'robot');
    const token = (await k('-n', 'work', 'create', 'token', 'robot')).trim();
    expect(token.split('.')).toHaveLength(3);
    const whoami = await k(
      '--token',
      token,
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    );
    expect(whoami).toBe('system:serviceaccount:work:robot');
    const refused = await s.run(path, [
      '--token',
      `${token}x`,
      'get',
      'namespaces',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unauthorized');
    const short = await s.run(path, [
      '-n',
      'work',
      'create',
      'token',
      'robot',
      '--duration=1m',
    ]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain(
      'may not specify a duration less than 10 minutes',
    );
  });

  it('prints a container log, with tail and timestamps, and refuses a missing previous run', async () => {
    const pod = (
      await k('-n', 'work', 'get', 'pods', '-l', 'app=web', '-o', 'name')
    ).split('\n')[0];
    expect(await k('-n', 'work', 'logs', pod)).toBe(
      'Starting nginx from image nginx:1.25\nnginx is ready\n',
    );
    expect(
      await k(
        '-n',
        'work',
        'logs',
        'deployment/web',
        '--tail=1',
        '--timestamps',
      ),
    ).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z nginx is ready\n$/);
    const previous = await s.run(path, [
      '-n',
      'work',
      'logs',
      pod,
      '--previous',
    ]);
    expect(previous.code).not.toBe(0);
    expect(previous.stderr).toContain('previous terminated container "nginx"');
  });

  it('deletes a pod gracefully: Terminating while a finalizer holds it, then gone', async () => {
    await k(
      '-n',
      'work',
      'run',
      'held',
      '--image=busybox:1.36',
      '--restart=Never',
    );
    await k(
      '-n',
      'work',
      'patch',
      'pod',
      'held',
      '-p',
      '{"metadata":{"finalizers":["example.com/hold"]}}',
    );
    await k('-n', 'work', 'delete', 'pod', 'held', '--wait=false');
    expect(
      await k(
        '-n',
        'work',
        'get',
        'pod',
        'held',
        '-o',
        'jsonpath={.metadata.deletionTimestamp}',
      ),
    ).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await k('-n', 'work', 'describe', 'pod', 'held')).toMatch(
      /Status:\s+Terminating \(lasts /,
    );
    await k(
      '-n',
      'work',
      'patch',
      'pod',
      'held',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    );
    const gone = await s.run(path, ['-n', 'work', 'get', 'pod', 'held']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  });
});
