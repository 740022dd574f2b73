import type {
  FleetOrphansResponse,
  InstanceListResponse,
} from '@ml-platform/plugin-ml-tools-common';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import { FLEET_NAMESPACE as NAMESPACE, startFleet } from './fleetFixture';

/*
 * Issue 14's drift and orphans: instances deployed by the real deploy action, put in the
 * catalog by the real provider, then changed behind the suite's back in the sandbox
 * (Keycloak and the cluster), and read back through the ML tools page's route. Each
 * drift reason and each orphan kind is made by one such change.
 */

jest.setTimeout(180_000);

describe('drift and orphans of the fleet', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox?.stop());

  it('names each change made behind the suite’s back, and each orphan', async () => {
    const fleet = await startFleet(sandbox);
    const { server, kc, k8s, catalog: emitted } = fleet;

    // Six instances, deployed and catalogued as in real use.
    const names = ['same', 'kc-off', 'gone', 'no-client', 'no-work', 'old'];
    await fleet.deploy(...names);
    const components = await fleet.provide();
    expect(components).toHaveLength(names.length);
    emitted.push(...components);
    const entityOf = (name: string) => fleet.entityOf(components, name)!;

    const list = async (query = '') => {
      const res = await request(server).get(`/api/ml-tools/instances${query}`);
      expect(res.status).toBe(200);
      return (res.body as InstanceListResponse).items;
    };
    const driftOf = async () =>
      Object.fromEntries(
        (await list()).map(i => [
          i.entityRef.replace(
            new RegExp(`^component:default/.*-${NAMESPACE}-`),
            '',
          ),
          (i.drift ?? []).map(d => d.kind),
        ]),
      );
    expect(await driftOf()).toEqual(
      Object.fromEntries(names.map(n => [n, []])),
    );
    expect(await list('?attention=true')).toEqual([]);

    // Behind the suite's back: Keycloak's console and kubectl.
    const clientOf = async (clientId: string) =>
      (await kc.clients.find({ clientId }))[0];
    const off = await clientOf('kc-off');
    await kc.clients.update(
      { id: off.id! },
      {
        ...off,
        enabled: false,
        redirectUris: [
          ...(off.redirectUris ?? []),
          'https://elsewhere.example.com/*',
        ],
      },
    );
    await kc.clients.del({ id: (await clientOf('no-client')).id! });

    const releaseRef = (name: string) => ({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name, namespace: NAMESPACE },
    });
    await k8s.delete(releaseRef('gone'));
    // `flux suspend`, then `kubectl delete`: nothing puts the workload back. (The
    // sandbox's helm-controller re-renders on any change of a release's objects, where
    // the real one, drift detection off by default, leaves them as they are.)
    const noWork = (await k8s.read(releaseRef('no-work'))) as any;
    noWork.spec.suspend = true;
    await k8s.replace(noWork);
    await k8s.delete({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'no-work', namespace: NAMESPACE },
    });
    // As if an older suite had deployed it.
    const old = (await k8s.read(releaseRef('old'))) as any;
    old.spec.chart.spec.version = '0.9.0';
    await k8s.replace(old);

    expect(await driftOf()).toEqual({
      same: [],
      'kc-off': ['client-disabled', 'client-changed'],
      gone: ['release-missing'],
      'no-client': ['client-missing'],
      'no-work': ['workload-missing'],
      old: ['pending-upgrade'],
    });
    const attention = await list('?attention=true');
    expect(attention).toHaveLength(5);
    const pending = attention.find(i => i.entityRef.endsWith('-old'))!
      .drift![0];
    expect(pending.message).toContain('runs chart board 0.9.0');
    expect(pending.message).toContain('now pins 1.0.0');
    expect((await list('?attention=false')).map(i => i.entityRef)).toEqual([
      `component:default/${entityOf('same').metadata.name}`,
    ]);

    // Orphans: the client of the instance whose release is gone, and a release whose
    // catalog entity was removed.
    emitted.splice(emitted.indexOf(entityOf('same')), 1);
    const orphans = await request(server).get('/api/ml-tools/fleet/orphans');
    expect(orphans.status).toBe(200);
    const cluster = sandbox.clusters[0].name;
    expect(
      (orphans.body as FleetOrphansResponse).items.map(o => [
        o.kind,
        o.instanceRef,
        o.what,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [
          'release-without-entity',
          `${cluster}/${NAMESPACE}/same`,
          `HelmRelease ${NAMESPACE}/same`,
        ],
        [
          'client-without-release',
          `${cluster}/${NAMESPACE}/gone`,
          'Keycloak client gone',
        ],
      ]),
    );
    expect((orphans.body as FleetOrphansResponse).items).toHaveLength(2);
    expect((orphans.body as FleetOrphansResponse).unreadClusters).toEqual([]);
  });
});
