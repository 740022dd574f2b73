import { mlflowValues, PEOPLE, startPortal } from './__testUtils__/portal';

jest.setTimeout(300_000);

const NAME = 'mlflow-half';
const NAMESPACE = 'ml-acceptance';

describe('nothing half-made', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: `sandbox-${NAMESPACE}-${NAME}`,
            namespace: 'default',
            annotations: {
              'ml-platform.io/instance': `sandbox/${NAMESPACE}/${NAME}`,
            },
          },
          spec: { type: 'mlflow', lifecycle: 'incomplete', owner: 'vision' },
        },
      ],
    });
  });

  afterAll(async () => {
    await portal?.stop();
  });

  const values = mlflowValues({
    name: NAME,
    namespace: NAMESPACE,
    user: ['group:default/ml-ops'],
  });
  const sim = () => portal.sandbox.clusters[0].simulator;

  it('a deploy that fails past its first write says exactly what exists, without a stack trace', async () => {
    // The cluster refuses the release: the run stops after the namespace, the
    // secrets, the Keycloak client, its roles and groups were written.
    portal.sandbox.faults.add({
      match: { server: 'kubernetes', method: 'PATCH', path: 'helmreleases' },
      errorRate: 1,
      status: 500,
    });
    const task = await portal.run('mlflow', values, PEOPLE.alice);
    portal.sandbox.faults.clear();
    expect({ status: task.status, log: task.log }).toMatchObject({
      status: 'failed',
    });
    expect(task.log).toMatch(/stopped after its first write/);
    expect(task.log).toMatch(/What exists now:/);
    expect(task.log).toMatch(
      /Kubernetes Secret ml-acceptance\/mlflow-half-secrets \(created by this run\)/,
    );
    expect(task.log).toMatch(
      /Keycloak client mlflow-half \(created by this run\)/,
    );
    expect(task.log).toMatch(/Run the template again .* or decommission it/);
    expect(task.log).not.toMatch(/\n\s+at /);
    expect(task.log).not.toMatch(/\/work\/|node_modules|\.ts:\d+/);
    expect(
      sim().get('v1', 'Secret', `${NAME}-secrets`, NAMESPACE),
    ).toBeDefined();
  });

  it('is still owned: another team cannot take the half-made instance over', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun(
      'mlflow',
      { ...values, owner: 'group:default/data-scientists' },
      PEOPLE.bob,
    );
    expect(dry.status).toBe(403);
    expect(dry.body.error.message).toMatch(/owned by group:default\/vision/);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('a re-run completes it', async () => {
    const task = await portal.run('mlflow', values, PEOPLE.alice);
    expect(task.status).toBe('completed');
    const release = sim().get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      NAME,
      NAMESPACE,
    )!;
    expect(release.metadata.annotations!['ml-platform.io/incomplete']).toBe(
      undefined,
    );
  });

  it('decommission removes all of it', async () => {
    const task = await portal.run(
      'ml-tool-decommission',
      {
        instance: `component:default/sandbox-${NAMESPACE}-${NAME}`,
        confirmName: NAME,
      },
      PEOPLE.alice,
    );
    expect(task.status).toBe('completed');
    const left = sim()
      .list('v1', 'Secret', { namespace: NAMESPACE })
      .filter(s => (s.metadata.name ?? '').startsWith(NAME));
    expect(left).toEqual([]);
  });
});
