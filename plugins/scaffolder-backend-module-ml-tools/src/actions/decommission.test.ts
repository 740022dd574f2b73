import { KEYCLOAK_ATTRIBUTES } from '@ml-platform/plugin-ml-tools-common';
import { notebookViewerBlueprint } from '../__testUtils__/blueprints';
import {
  mlflowInput,
  startHarness,
  writesSince,
} from '../__testUtils__/harness';

jest.setTimeout(120_000);

const HR = 'helm.toolkit.fluxcd.io/v2';

describe('ml-tools:decommission', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;

  beforeEach(async () => {
    h = await startHarness({ blueprints: [notebookViewerBlueprint] });
  });
  afterEach(async () => {
    await h.stop();
  });

  function pvc(name: string, release: string) {
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name,
        namespace: 'ml-vision',
        labels: {
          'app.kubernetes.io/instance': release,
          'app.kubernetes.io/managed-by': 'Helm',
        },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    });
  }

  it('removes what deploy made, keeps groups it did not create, and lets the name be deployed again', async () => {
    expect(
      (await h.run('ml-tools:deploy', mlflowInput())).error,
    ).toBeUndefined();
    pvc('data-mlflow-vision-postgresql-0', 'mlflow-vision');
    pvc('unrelated', 'other-release');

    const dry = await h.run(
      'ml-tools:decommission',
      { namespace: 'ml-vision', name: 'mlflow-vision' },
      { dryRun: true },
    );
    expect(dry.error).toBeUndefined();
    expect(dry.logs.join('\n')).toMatch(/would delete/);

    const mark = h.sandbox.log.mark();
    const refreshesBefore = h.refreshRequests.length;
    const result = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'mlflow-vision',
    });
    expect(result.error).toBeUndefined();
    // The catalog is asked to read the cluster again, so the instance leaves it now;
    // the dry run above asked for nothing.
    expect(h.refreshRequests.slice(refreshesBefore)).toEqual([
      { cluster: 'sandbox', instanceRef: 'sandbox/ml-vision/mlflow-vision' },
    ]);
    expect(h.refreshRequests).toHaveLength(2);
    expect(writesSince(h.sandbox, 'kubernetes', mark).length).toBeGreaterThan(
      0,
    );
    const sim = h.cluster.simulator;
    expect(sim.list(HR, 'HelmRelease', { namespace: 'ml-vision' })).toEqual([]);
    expect(
      sim.list('source.toolkit.fluxcd.io/v1', 'HelmRepository', {
        namespace: 'ml-vision',
      }),
    ).toEqual([]);
    for (const secret of [
      'mlflow-vision-secrets',
      'mlflow-vision-postgresql',
      'mlflow-vision-oidc',
    ]) {
      expect({
        secret,
        live: sim.get('v1', 'Secret', secret, 'ml-vision'),
      }).toEqual({ secret, live: undefined });
    }
    expect(
      sim.get(
        'v1',
        'PersistentVolumeClaim',
        'data-mlflow-vision-postgresql-0',
        'ml-vision',
      ),
    ).toBeUndefined();
    expect(
      sim.get('v1', 'PersistentVolumeClaim', 'unrelated', 'ml-vision'),
    ).toBeDefined();
    // The namespace may hold other instances: it stays.
    expect(sim.get('v1', 'Namespace', 'ml-vision')).toBeDefined();
    expect(
      await h.keycloak.findClientByClientId('mlflow-vision'),
    ).toBeUndefined();
    expect(
      await h.keycloak.findClientScopeByName('mlflow-vision-audience'),
    ).toBeUndefined();
    for (const path of [
      '/vision',
      '/ml-ops',
      '/vision-leads',
      '/analysts/vision-review',
      '/analysts',
    ]) {
      expect({ path, group: await h.keycloak.findGroupByPath(path) }).toEqual({
        path,
        group: undefined,
      });
    }
    expect(await h.keycloak.findGroupByPath('/data-scientists')).toBeDefined();
    // Resolved from group:default/vision: existed before, so it is never deleted.
    expect(
      await h.keycloak.findGroupByPath('/data-scientists/vision'),
    ).toBeDefined();

    // Again: the instance is gone, so there is nothing to remove (404), nothing written.
    const again = h.sandbox.log.mark();
    expect(
      (
        await h.run('ml-tools:decommission', {
          namespace: 'ml-vision',
          name: 'mlflow-vision',
        })
      ).error?.name,
    ).toBe('NotFoundError');
    expect(writesSince(h.sandbox, 'kubernetes', again)).toEqual([]);
    expect(writesSince(h.sandbox, 'keycloak', again)).toEqual([]);

    const redeploy = await h.run('ml-tools:deploy', mlflowInput());
    expect(redeploy.error).toBeUndefined();
  });

  it('keeps groups another instance still uses, and forgets this instance on them', async () => {
    expect(
      (await h.run('ml-tools:deploy', mlflowInput())).error,
    ).toBeUndefined();
    expect(
      (
        await h.run(
          'ml-tools:deploy',
          mlflowInput({
            name: 'mlflow-second',
            roleMappings: { user: ['group:default/ml-ops'] },
          }),
        )
      ).error,
    ).toBeUndefined();
    expect(
      (
        await h.run('ml-tools:decommission', {
          namespace: 'ml-vision',
          name: 'mlflow-vision',
        })
      ).error,
    ).toBeUndefined();
    const shared = await h.keycloak.findGroupByPath('/ml-ops');
    expect(shared?.attributes?.[KEYCLOAK_ATTRIBUTES.createdFor]).toEqual([
      'sandbox/ml-vision/mlflow-second',
    ]);
    expect(await h.keycloak.findGroupByPath('/vision-leads')).toBeUndefined();
    expect(
      await h.keycloak.findGroupByPath('/data-scientists/vision'),
    ).toBeDefined();
    expect(
      await h.keycloak.findClientByClientId('mlflow-second'),
    ).toBeDefined();
  });

  it('keeps the data and its credentials when asked, and a new deploy finds them again', async () => {
    expect(
      (await h.run('ml-tools:deploy', mlflowInput())).error,
    ).toBeUndefined();
    pvc('data-mlflow-vision-postgresql-0', 'mlflow-vision');
    const sim = h.cluster.simulator;
    const credentials = () =>
      ['mlflow-vision-postgresql', 'mlflow-vision-secrets'].map(
        name => sim.get('v1', 'Secret', name, 'ml-vision')?.data,
      );
    const before = credentials();
    expect(before.every(Boolean)).toBe(true);
    const result = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'mlflow-vision',
      keepData: true,
    });
    expect(result.error).toBeUndefined();
    // The database's and the bucket's credentials, and the data.
    expect(result.outputs.kept).toEqual([
      'Secret ml-vision/mlflow-vision-postgresql',
      'Secret ml-vision/mlflow-vision-secrets',
      'PersistentVolumeClaim ml-vision/data-mlflow-vision-postgresql-0',
    ]);
    expect(
      sim.get('v1', 'Secret', 'mlflow-vision-oidc', 'ml-vision'),
    ).toBeUndefined();
    expect(sim.list(HR, 'HelmRelease', { namespace: 'ml-vision' })).toEqual([]);
    expect(
      (await h.run('ml-tools:deploy', mlflowInput())).error,
    ).toBeUndefined();
    expect(credentials()).toEqual(before);
    expect(
      sim.get(
        'v1',
        'PersistentVolumeClaim',
        'data-mlflow-vision-postgresql-0',
        'ml-vision',
      ),
    ).toBeDefined();
  });

  it('removes every release of an instance behind the auth proxy, the proxy too', async () => {
    const deployed = await h.run('ml-tools:deploy', {
      blueprint: notebookViewerBlueprint.id,
      namespace: 'ml-vision',
      name: 'viewer-vision',
      owner: 'group:default/vision',
    });
    expect(deployed.error).toBeUndefined();
    const sim = h.cluster.simulator;
    expect(
      sim
        .list(HR, 'HelmRelease', { namespace: 'ml-vision' })
        .map(r => r.metadata.name),
    ).toEqual(['viewer-vision', 'viewer-vision-proxy']);
    const result = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'viewer-vision',
    });
    expect(result.error).toBeUndefined();
    expect(sim.list(HR, 'HelmRelease', { namespace: 'ml-vision' })).toEqual([]);
    // The proxy's ingress went with its release: nothing answers on the host.
    expect(
      sim.list('networking.k8s.io/v1', 'Ingress', { namespace: 'ml-vision' }),
    ).toEqual([]);
    expect(
      sim.get('v1', 'Secret', 'viewer-vision-oidc', 'ml-vision'),
    ).toBeUndefined();
    expect(
      await h.keycloak.findClientByClientId('viewer-vision'),
    ).toBeUndefined();
  });

  it('removes the pods and volumes the tool made at run time for the instance, and only those', async () => {
    const input = {
      blueprint: 'jupyterhub',
      namespace: 'ml-vision',
      name: 'hub',
      owner: 'group:default/vision',
      roleMappings: { user: ['group:default/data-scientists'] },
    };
    expect((await h.run('ml-tools:deploy', input)).error).toBeUndefined();
    const spawned = (instance: string, manager = 'kubespawner') => ({
      'app.kubernetes.io/instance': instance,
      'app.kubernetes.io/managed-by': manager,
    });
    const claim = (name: string, labels: Record<string, string>) =>
      h.cluster.simulator.apply({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, namespace: 'ml-vision', labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      });
    claim('claim-hub-ada', spawned('hub'));
    claim('claim-other-ada', spawned('other'));
    claim('made-by-someone', spawned('hub', 'someone-else'));
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'hub-jupyter-ada',
        namespace: 'ml-vision',
        labels: spawned('hub'),
      },
      spec: { containers: [{ name: 'notebook', image: 'nb:1' }] },
    });

    const result = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'hub',
    });
    expect(result.error).toBeUndefined();
    const get = (kind: string, name: string) =>
      h.cluster.simulator.get('v1', kind, name, 'ml-vision');
    expect(get('PersistentVolumeClaim', 'claim-hub-ada')).toBeUndefined();
    expect(get('Pod', 'hub-jupyter-ada')).toBeUndefined();
    expect(get('PersistentVolumeClaim', 'claim-other-ada')).toBeDefined();
    expect(get('PersistentVolumeClaim', 'made-by-someone')).toBeDefined();
  });

  it('refuses to remove a release that is not ours', async () => {
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-vision' },
    });
    h.cluster.simulator.apply({
      apiVersion: HR,
      kind: 'HelmRelease',
      metadata: { name: 'handmade', namespace: 'ml-vision' },
      spec: {
        interval: '5m',
        chart: {
          spec: {
            chart: 'x',
            sourceRef: { kind: 'HelmRepository', name: 'x' },
          },
        },
      },
    });
    const mark = h.sandbox.log.mark();
    const result = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'handmade',
    });
    expect(result.error?.name).toBe('ConflictError');
    expect(result.error?.message).toMatch(/input\.name/);
    expect(h.sandbox.log.count({ kind: 'write', since: mark })).toBe(0);
    expect(
      h.cluster.simulator.get(HR, 'HelmRelease', 'handmade', 'ml-vision'),
    ).toBeDefined();
  });
});
