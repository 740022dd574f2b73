/*
 * What a real API server refuses, pinned for the sandbox: custom resources checked and
 * pruned against their upstream CRDs (from the contracts folder), built-in kinds' field
 * checks, strict field validation, dry runs everywhere and foreground deletion. Written
 * only against @kubernetes/client-node; with KUBECONFIG set it runs against that cluster,
 * installing the CRDs under a group unique to the run so that the cluster's own stay
 * untouched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  contractsDir,
  failure,
  KubeTarget,
  realCluster,
  startKubeTarget,
  statusBody,
  statusCode,
  waitFor,
} from './helpers';

jest.setTimeout(realCluster ? 180_000 : 30_000);

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const applyPatch = setHeaderOptions(
  'Content-Type',
  PatchStrategy.ServerSideApply,
);
const withContracts = contractsDir ? describe : describe.skip;

let t: KubeTarget;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let ns: string;
/** The HelmRelease / HelmRepository groups the installed CRDs serve. */
let helmGroup = 'helm.toolkit.fluxcd.io';
let sourceGroup = 'source.toolkit.fluxcd.io';
const installed: string[] = [];

/** An upstream CRD from the contracts, its group made unique on a real cluster. */
function upstreamCrd(file: string, group: string): V1CustomResourceDefinition {
  const docs = parseAllDocuments(
    readFileSync(join(contractsDir!, 'crds', file), 'utf8'),
  )
    .map(d => d.toJS())
    .filter(Boolean);
  const crd = docs[0] as V1CustomResourceDefinition;
  crd.spec.group = group;
  crd.metadata = { name: `${crd.spec.names.plural}.${group}` };
  return crd;
}

async function installCrd(crd: V1CustomResourceDefinition): Promise<void> {
  // Sent as raw JSON: client-node's typed serialisation drops `enum` and the
  // `x-kubernetes-*` keys of schemas written in wire form.
  await custom.patchClusterCustomObject(
    {
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      name: crd.metadata!.name!,
      body: crd,
      fieldManager: 'ml-platform-contract',
      force: true,
    },
    applyPatch,
  );
  installed.push(crd.metadata!.name!);
  await waitFor(
    async () =>
      (
        await t.kc
          .makeApiClient(ApiextensionsV1Api)
          .readCustomResourceDefinition({ name: crd.metadata!.name! })
      ).status?.conditions?.some(
        c => c.type === 'Established' && c.status === 'True',
      ),
    { what: `CRD ${crd.metadata!.name} established` },
  );
}

beforeAll(async () => {
  t = await startKubeTarget();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  custom = t.kc.makeApiClient(CustomObjectsApi);
  ns = t.namespace;
  if (!contractsDir) return;
  if (realCluster) {
    helmGroup = `hr.${t.prefix}.contract.test`;
    sourceGroup = `src.${t.prefix}.contract.test`;
  }
  await installCrd(
    upstreamCrd('helm.toolkit.fluxcd.io_helmreleases.yaml', helmGroup),
  );
  await installCrd(
    upstreamCrd('source.toolkit.fluxcd.io_helmrepositories.yaml', sourceGroup),
  );
});

afterAll(async () => {
  if (realCluster) {
    const ext = t.kc.makeApiClient(ApiextensionsV1Api);
    for (const name of installed)
      await ext.deleteCustomResourceDefinition({ name }).catch(() => undefined);
  }
  await t?.cleanup();
});

const helmRelease = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: `${helmGroup}/v2`,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: {
    interval: '10m',
    chart: {
      spec: {
        chart: 'mlflow',
        version: '1.11.5',
        sourceRef: { kind: 'HelmRepository', name: 'community-charts' },
      },
    },
    ...spec,
  },
});

const hrApi = (name?: string) => ({
  group: helmGroup,
  version: 'v2',
  namespace: ns,
  plural: 'helmreleases',
  ...(name ? { name } : {}),
});

withContracts('custom resources against their upstream CRDs', () => {
  it('refuses wrong types, enums, patterns, lengths and missing fields with 422 and field paths', async () => {
    const body = helmRelease('bad', {
      interval: 10,
      releaseName: 'x'.repeat(60),
    }) as any;
    body.spec.chart.spec.sourceRef.kind = 'Nowhere';
    delete body.spec.chart.spec.chart;
    const err = await failure(() =>
      custom.createNamespacedCustomObject({ ...hrApi(), body }),
    );
    expect(statusCode(err)).toBe(422);
    const status = statusBody(err);
    expect(status.reason).toBe('Invalid');
    const fields = (status.details.causes as any[]).map(c => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.interval',
        'spec.releaseName',
        'spec.chart.spec.sourceRef.kind',
        'spec.chart.spec.chart',
      ]),
    );

    const repoErr = await failure(() =>
      custom.createNamespacedCustomObject({
        group: sourceGroup,
        version: 'v1',
        namespace: ns,
        plural: 'helmrepositories',
        body: {
          apiVersion: `${sourceGroup}/v1`,
          kind: 'HelmRepository',
          metadata: { name: 'ftp', namespace: ns },
          spec: { url: 'ftp://charts.example.test' },
        },
      }),
    );
    expect(statusCode(repoErr)).toBe(422);
    expect(
      (statusBody(repoErr).details.causes as any[]).map(c => c.field),
    ).toContain('spec.url');
  });

  it('prunes undeclared fields but keeps free-form values', async () => {
    const body = helmRelease('pruned', {
      bogus: { a: 1 },
      values: { anything: { goes: true } },
    });
    const created = (await custom.createNamespacedCustomObject({
      ...hrApi(),
      body,
    })) as any;
    expect(created.spec.bogus).toBeUndefined();
    expect(created.spec.values).toEqual({ anything: { goes: true } });
  });

  it('refuses unknown fields with 400 under fieldValidation=Strict', async () => {
    const err = await failure(() =>
      custom.createNamespacedCustomObject({
        ...hrApi(),
        body: helmRelease('strict', { bogus: 1 }),
        fieldValidation: 'Strict',
      }),
    );
    expect(statusCode(err)).toBe(400);
    expect(statusBody(err).message).toContain('unknown field "spec.bogus"');
  });
});

describe('built-in kinds', () => {
  const deployment = (name: string, replicas: number, container: any = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'c', image: 'registry.k8s.io/pause:3.9', ...container },
          ],
        },
      },
    },
  });

  it('refuses negative replicas with 422', async () => {
    const err = await failure(() =>
      apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('negative', -1),
      }),
    );
    expect(statusCode(err)).toBe(422);
    expect(
      (statusBody(err).details.causes as any[]).map(c => c.field),
    ).toContain('spec.replicas');
  });

  it('refuses unknown fields with 400 under fieldValidation=Strict, and only then', async () => {
    const body = deployment('typo', 1, { imagee: 'x' }) as any;
    // The generic client sends the body as is; the typed one would drop the unknown field.
    const raw = {
      group: 'apps',
      version: 'v1',
      namespace: ns,
      plural: 'deployments',
    };
    const err = await failure(() =>
      custom.createNamespacedCustomObject({
        ...raw,
        body,
        fieldValidation: 'Strict',
      }),
    );
    expect(statusCode(err)).toBe(400);
    expect(statusBody(err).message).toContain(
      'unknown field "spec.template.spec.containers[0].imagee"',
    );
    await custom.createNamespacedCustomObject({ ...raw, body });
  });

  it('honours dryRun on create, patch and delete (query and DeleteOptions body)', async () => {
    const cm = {
      metadata: { name: 'dry', namespace: ns },
      data: { a: '1' },
    };
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: cm,
      dryRun: 'All',
    });
    expect(
      statusCode(
        await failure(() =>
          core.readNamespacedConfigMap({ name: 'dry', namespace: ns }),
        ),
      ),
    ).toBe(404);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm });
    await core.patchNamespacedConfigMap(
      { name: 'dry', namespace: ns, body: { data: { a: '2' } }, dryRun: 'All' },
      merge,
    );
    await core.deleteNamespacedConfigMap({
      name: 'dry',
      namespace: ns,
      dryRun: 'All',
    });
    await core.deleteNamespacedConfigMap({
      name: 'dry',
      namespace: ns,
      body: { dryRun: ['All'] },
    });
    const live = await core.readNamespacedConfigMap({
      name: 'dry',
      namespace: ns,
    });
    expect(live.data).toEqual({ a: '1' });
    expect(live.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('deletes in the foreground: the owner goes only after its dependents', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'owner', namespace: ns } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'dependent',
          namespace: ns,
          finalizers: ['contract.ml-platform.io/hold'],
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid: owner.metadata!.uid!,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    await core.deleteNamespacedConfigMap({
      name: 'owner',
      namespace: ns,
      propagationPolicy: 'Foreground',
    });
    const dependent = await waitFor(async () => {
      const d = await core.readNamespacedConfigMap({
        name: 'dependent',
        namespace: ns,
      });
      return d.metadata?.deletionTimestamp ? d : undefined;
    });
    const pending = await core.readNamespacedConfigMap({
      name: 'owner',
      namespace: ns,
    });
    expect(pending.metadata?.deletionTimestamp).toBeDefined();
    expect(pending.metadata?.finalizers).toContain('foregroundDeletion');

    await core.patchNamespacedConfigMap(
      {
        name: 'dependent',
        namespace: ns,
        body: {
          metadata: {
            finalizers: null,
            resourceVersion: dependent.metadata!.resourceVersion,
          },
        },
      },
      merge,
    );
    await waitFor(
      async () =>
        statusCode(
          await failure(() =>
            core.readNamespacedConfigMap({ name: 'owner', namespace: ns }),
          ),
        ) === 404,
      { what: 'owner deleted after its dependent' },
    );
  });
});
