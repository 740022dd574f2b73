import { minioBlueprint } from '@ml-platform/plugin-ml-tools-node';
import { startHarness } from '../__testUtils__/harness';

jest.setTimeout(120_000);

/*
 * Volume claims a chart's StatefulSet makes carry the StatefulSet's selector, not Helm's
 * instance label: a blueprint names them (`decommission.dataClaimSelectors`), and
 * decommission keeps them with the data or removes them with the instance.
 */
describe('decommission of claims a StatefulSet labels its own way', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  const sim = () => h.cluster.simulator;

  function claim(name: string, release: string) {
    sim().apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name,
        namespace: 'ml-vision',
        labels: { app: 'minio', release },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '10Gi' } },
      },
    });
  }
  const claims = () =>
    sim()
      .list('v1', 'PersistentVolumeClaim', { namespace: 'ml-vision' })
      .map(c => c.metadata.name)
      .sort();
  const deploy = () =>
    h.run('ml-tools:deploy', {
      blueprint: minioBlueprint.id,
      namespace: 'ml-vision',
      name: 'store',
      owner: 'group:default/vision',
      parameters: { mode: 'distributed', servers: 4 },
    });

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('keeps them with the data, lists them as kept, removes them otherwise; claims of another release stay', async () => {
    expect((await deploy()).error).toBeUndefined();
    claim('export-store-0', 'store');
    claim('export-store-1', 'store');
    claim('export-other-0', 'other');

    const kept = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'store',
      keepData: true,
    });
    expect(kept.error).toBeUndefined();
    expect(kept.outputs.kept).toEqual([
      'Secret ml-vision/store-secrets',
      'PersistentVolumeClaim ml-vision/export-store-0',
      'PersistentVolumeClaim ml-vision/export-store-1',
    ]);
    expect(claims()).toEqual([
      'export-other-0',
      'export-store-0',
      'export-store-1',
    ]);

    expect((await deploy()).error).toBeUndefined();
    const removed = await h.run('ml-tools:decommission', {
      namespace: 'ml-vision',
      name: 'store',
      keepData: false,
    });
    expect(removed.error).toBeUndefined();
    expect(claims()).toEqual(['export-other-0']);
  });
});
