/*
 * The sandbox's Helm repositories and its release controllers saying no as Flux and Argo
 * CD would: a missing or unready source, a missing chart version, values the chart's
 * schema refuses; a failed upgrade keeps the last good release. Sandbox-only (it stages
 * the controllers), and only when the contracts folder is present.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  AppsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import {
  contractsDir,
  KubeTarget,
  realCluster,
  startKubeTarget,
  waitFor,
} from './helpers';

const suite = contractsDir && !realCluster ? describe : describe.skip;

let t: KubeTarget;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let objects: KubernetesObjectApi;
let ns: string;

beforeAll(async () => {
  t = await startKubeTarget();
  apps = t.kc.makeApiClient(AppsV1Api);
  custom = t.kc.makeApiClient(CustomObjectsApi);
  objects = KubernetesObjectApi.makeApiClient(t.kc);
  ns = t.namespace;
});

afterAll(async () => {
  await t?.cleanup();
});

const apply = (obj: any) =>
  objects.patch(
    obj,
    undefined,
    undefined,
    'ml-platform',
    true,
    PatchStrategy.ServerSideApply,
  );

const repository = (name: string, url: string) =>
  apply({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', url },
  });

const release = (
  name: string,
  values: Record<string, unknown>,
  chart = { chart: 'mlflow', version: '1.11.5', repo: 'community-charts' },
) =>
  apply({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace: ns },
    spec: {
      interval: '10m',
      chart: {
        spec: {
          chart: chart.chart,
          version: chart.version,
          sourceRef: { kind: 'HelmRepository', name: chart.repo },
        },
      },
      values,
    },
  });

const get = async (
  plural: string,
  group: string,
  version: string,
  name: string,
) =>
  (await custom.getNamespacedCustomObject({
    group,
    version,
    namespace: ns,
    plural,
    name,
  })) as any;
const hr = (name: string) =>
  get('helmreleases', 'helm.toolkit.fluxcd.io', 'v2', name);
const cond = (obj: any, type: string) =>
  obj.status?.conditions?.find((c: any) => c.type === type);

/** File names in a gzipped ustar archive. */
function tarNames(tgz: Buffer): string[] {
  const tar = gunzipSync(tgz);
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar
      .subarray(off, off + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(
      tar.subarray(off + 124, off + 136).toString('utf8'),
      8,
    );
    names.push(name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

suite('sandbox Helm repositories and release controllers', () => {
  it('serves index.yaml and byte-stable packages with vendored dependencies', async () => {
    const base = `${t.sandbox!.chartsUrl}/community-charts`;
    const index = parseYaml(await (await fetch(`${base}/index.yaml`)).text());
    expect(index.apiVersion).toBe('v1');
    const entry = index.entries.mlflow.find((e: any) => e.version === '1.11.5');
    expect(entry).toMatchObject({
      name: 'mlflow',
      apiVersion: 'v2',
      appVersion: '3.15.1',
      dependencies: expect.arrayContaining([
        expect.objectContaining({ name: 'postgresql', version: '18.8.12' }),
      ]),
    });
    expect(
      entry.annotations['sandbox.ml-platform.io/substituted-dependencies'],
    ).toContain('postgresql 18.8.12 -> 17.1.0');
    const tgz = Buffer.from(await (await fetch(entry.urls[0])).arrayBuffer());
    expect(createHash('sha256').update(tgz).digest('hex')).toBe(entry.digest);
    expect(tarNames(tgz)).toEqual(
      expect.arrayContaining([
        'mlflow/Chart.yaml',
        'mlflow/values.yaml',
        'mlflow/values.schema.json',
        'mlflow/charts/postgresql/Chart.yaml',
        'mlflow/charts/postgresql/values.schema.json',
        'mlflow/charts/minio/values.yaml',
      ]),
    );
    const bitnami = parseYaml(
      await (await fetch(`${t.sandbox!.chartsUrl}/bitnami/index.yaml`)).text(),
    );
    expect(Object.keys(bitnami.entries)).toEqual(
      expect.arrayContaining(['postgresql', 'mysql', 'redis', 'keycloak']),
    );
  });

  it('leaves a release unready while its HelmRepository is missing, not ready, or lacks the version', async () => {
    await release(
      'orphan',
      {},
      { chart: 'mlflow', version: '1.11.5', repo: 'missing' },
    );
    expect(cond(await hr('orphan'), 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ArtifactFailed',
      message: expect.stringContaining(
        'HelmRepository.source.toolkit.fluxcd.io "missing" not found',
      ),
    });

    await repository('missing', 'http://127.0.0.1:1/charts/nowhere');
    const repo = await waitFor(async () => {
      const r = await get(
        'helmrepositories',
        'source.toolkit.fluxcd.io',
        'v1',
        'missing',
      );
      return cond(r, 'Ready')?.status === 'False' ? r : undefined;
    });
    expect(cond(repo, 'Ready').reason).toBe('IndexationFailed');
    expect(cond(await hr('orphan'), 'Ready').message).toMatch(
      /HelmRepository '.*\/missing' is not ready/,
    );

    await repository(
      'community-charts',
      `${t.sandbox!.chartsUrl}/community-charts`,
    );
    await release(
      'unknown',
      {},
      { chart: 'mlflow', version: '9.9.9', repo: 'community-charts' },
    );
    const unknown = await hr('unknown');
    expect(cond(unknown, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ArtifactFailed',
      message: expect.stringContaining(
        "no 'mlflow' chart with version matching '9.9.9' found",
      ),
    });
    expect(unknown.status.observedGeneration).toBe(unknown.metadata.generation);
  });

  it("fails an install whose values the chart's schema refuses, in Helm's words", async () => {
    await repository(
      'community-charts',
      `${t.sandbox!.chartsUrl}/community-charts`,
    );
    await release('invalid', {
      replicaCount: 'two',
      minio: { enabled: 'yes' },
    });
    const live = await hr('invalid');
    for (const type of ['Ready', 'Released']) {
      expect(cond(live, type)).toMatchObject({
        status: 'False',
        reason: 'InstallFailed',
        message: expect.stringContaining(
          "values don't meet the specifications of the schema(s) in the following chart(s):\nmlflow:\n",
        ),
      });
    }
    expect(cond(live, 'Ready').message).toContain(
      "- at '/replicaCount': got string, want integer",
    );
    expect(cond(live, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'RetriesExceeded',
    });
    expect(live.status.observedGeneration).toBe(live.metadata.generation);
    const deployments = await apps.listNamespacedDeployment({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/instance=invalid',
    });
    expect(deployments.items).toHaveLength(0);
  });

  it('keeps the last good release when an upgrade fails', async () => {
    await repository(
      'community-charts',
      `${t.sandbox!.chartsUrl}/community-charts`,
    );
    await release('upgraded', { replicaCount: 1 });
    expect(cond(await hr('upgraded'), 'Ready')).toMatchObject({
      status: 'True',
    });
    await release('upgraded', { replicaCount: 'many' });
    const live = await hr('upgraded');
    expect(cond(live, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'UpgradeFailed',
    });
    const deployments = await apps.listNamespacedDeployment({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/instance=upgraded',
    });
    expect(deployments.items).toHaveLength(1);
    expect(deployments.items[0].status?.availableReplicas).toBe(1);
  });

  it('marks an Argo CD Application Degraded with a ComparisonError for refused values', async () => {
    await apply({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'argo-invalid', namespace: ns },
      spec: {
        project: 'default',
        source: {
          repoURL: `${t.sandbox!.chartsUrl}/community-charts`,
          chart: 'mlflow',
          targetRevision: '1.11.5',
          helm: { valuesObject: { replicaCount: 'two' } },
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: ns,
        },
      },
    });
    const app = await get(
      'applications',
      'argoproj.io',
      'v1alpha1',
      'argo-invalid',
    );
    expect(app.status.health.status).toBe('Degraded');
    expect(app.status.conditions[0]).toMatchObject({
      type: 'ComparisonError',
      message: expect.stringContaining(
        "- at '/replicaCount': got string, want integer",
      ),
    });
  });
});
