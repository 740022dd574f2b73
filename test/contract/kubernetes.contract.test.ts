/*
 * Contract of the Kubernetes API simulator, written only against @kubernetes/client-node.
 *
 * By default it runs against startSandbox(). With KUBECONFIG set it runs against that
 * cluster instead: it works in a uniquely named namespace (plus a uniquely named CRD),
 * removes them afterwards, and skips what only a sandbox can stage (injected faults,
 * simulated controllers, several clusters, a missing token).
 */
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  V1ConfigMap,
  V1Deployment,
  VersionApi,
} from '@kubernetes/client-node';
import {
  failure,
  KubeTarget,
  realCluster,
  sandboxOnly,
  startKubeTarget,
  statusBody,
  statusCode,
  waitFor,
} from './helpers';

jest.setTimeout(realCluster ? 180_000 : 30_000);

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions(
  'Content-Type',
  PatchStrategy.StrategicMergePatch,
);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

let t: KubeTarget;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let objects: KubernetesObjectApi;
let ns: string;

beforeAll(async () => {
  t = await startKubeTarget();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  custom = t.kc.makeApiClient(CustomObjectsApi);
  objects = KubernetesObjectApi.makeApiClient(t.kc);
  ns = t.namespace;
});

afterAll(async () => {
  await t?.cleanup();
});

const configMap = (
  name: string,
  data: Record<string, string> = { a: '1' },
  labels?: Record<string, string>,
): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data,
});

const deployment = (
  name: string,
  image = 'registry.k8s.io/pause:3.9',
): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: 'main',
            image,
            env: [{ name: 'A', value: '1' }],
            ports: [{ containerPort: 8080 }],
          },
        ],
      },
    },
  },
});

describe('discovery', () => {
  it('serves /version', async () => {
    const version = await t.kc.makeApiClient(VersionApi).getCode();
    expect(version.major).toMatch(/^\d+$/);
    expect(version.gitVersion).toMatch(/^v1\./);
  });

  it('lets the generic KubernetesObjectApi create, read, list and delete any kind', async () => {
    const spec: KubernetesObject & { data: Record<string, string> } = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'generic', namespace: ns },
      data: { k: 'v' },
    };
    const created = await objects.create(spec);
    expect(created.metadata?.uid).toBeDefined();
    const read = await objects.read<typeof spec>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'generic', namespace: ns },
    });
    expect(read.data).toEqual({ k: 'v' });
    const list = await objects.list('v1', 'ConfigMap', ns);
    expect(list.items.map(i => i.metadata?.name)).toContain('generic');
    const role = await objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'generic-role', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    } as KubernetesObject);
    expect(role.metadata?.name).toBe('generic-role');
    await objects.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'generic', namespace: ns },
    });
    expect(
      statusCode(
        await failure(() =>
          objects.read({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'generic', namespace: ns },
          }),
        ),
      ),
    ).toBe(404);
  });

  it('answers the cross-namespace, label-selected lists of the Backstage Kubernetes backend', async () => {
    const labelSelector = `backstage.io/kubernetes-id=${t.prefix}`;
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        ...deployment('bs'),
        metadata: {
          name: 'bs',
          namespace: ns,
          labels: { 'backstage.io/kubernetes-id': t.prefix },
        },
      },
    });
    const deployments = await apps.listDeploymentForAllNamespaces({
      labelSelector,
    });
    expect(deployments.items.map(d => d.metadata?.name)).toEqual(['bs']);
    const pods = await core.listPodForAllNamespaces({ labelSelector });
    expect(Array.isArray(pods.items)).toBe(true);
    const services = await core.listServiceForAllNamespaces({ labelSelector });
    expect(services.items).toEqual([]);
  });
});

describe('create, read, list', () => {
  it('creates with 201 semantics and answers 409 AlreadyExists for a duplicate', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('dup'),
    });
    expect(created.metadata).toMatchObject({
      name: 'dup',
      uid: expect.any(String),
      resourceVersion: expect.any(String),
    });
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const err = await failure(() =>
      core.createNamespacedConfigMap({ namespace: ns, body: configMap('dup') }),
    );
    expect(err.code).toBe(409);
    expect(statusBody(err)).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      details: { name: 'dup', kind: 'configmaps' },
    });
  });

  it('answers 404 NotFound as a Status naming the object', async () => {
    const err = await failure(() =>
      apps.readNamespacedDeployment({ name: 'missing', namespace: ns }),
    );
    expect(err.code).toBe(404);
    expect(statusBody(err)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      details: { name: 'missing', group: 'apps', kind: 'deployments' },
    });
  });

  it('answers 404 for a namespaced object in a missing namespace', async () => {
    const err = await failure(() =>
      core.createNamespacedConfigMap({
        namespace: `${t.prefix}-nope`,
        body: { metadata: { name: 'x' } },
      }),
    );
    expect(err.code).toBe(404);
    expect(statusBody(err)).toMatchObject({
      reason: 'NotFound',
      details: { kind: 'namespaces' },
    });
  });

  it('honours dryRun=All without storing', async () => {
    const dry = await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('dry'),
      dryRun: 'All',
    });
    expect(dry.metadata?.name).toBe('dry');
    expect(
      statusCode(
        await failure(() =>
          core.readNamespacedConfigMap({ name: 'dry', namespace: ns }),
        ),
      ),
    ).toBe(404);
  });

  it('selects by labels with every operator, by fields, and pages with continue tokens', async () => {
    const sel = `${t.prefix}-sel`;
    const specs: [string, Record<string, string>][] = [
      ['s1', { set: sel, env: 'prod', tier: 'web' }],
      ['s2', { set: sel, env: 'dev', tier: 'web' }],
      ['s3', { set: sel, env: 'test' }],
      ['s4', { set: sel, env: 'prod', tier: 'db' }],
      ['s5', { set: sel }],
    ];
    for (const [name, labels] of specs)
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: configMap(name, {}, labels),
      });
    const names = async (labelSelector: string, fieldSelector?: string) =>
      (
        await core.listNamespacedConfigMap({
          namespace: ns,
          labelSelector: `set=${sel},${labelSelector}`,
          fieldSelector,
        })
      ).items
        .map(i => i.metadata!.name)
        .sort();
    expect(await names('env=prod')).toEqual(['s1', 's4']);
    expect(await names('env==prod')).toEqual(['s1', 's4']);
    expect(await names('env!=prod')).toEqual(['s2', 's3', 's5']);
    expect(await names('env in (dev,test)')).toEqual(['s2', 's3']);
    expect(await names('env notin (prod)')).toEqual(['s2', 's3', 's5']);
    expect(await names('tier')).toEqual(['s1', 's2', 's4']);
    expect(await names('!tier')).toEqual(['s3', 's5']);
    expect(await names('env', 'metadata.name=s4')).toEqual(['s4']);
    expect(await names('env', 'metadata.name!=s4')).toEqual(['s1', 's2', 's3']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({
        namespace: ns,
        labelSelector: `set=${sel}`,
        limit: 2,
        _continue: token,
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      expect(page.metadata?.resourceVersion).toBeDefined();
      seen.push(...page.items.map(i => i.metadata!.name!));
      token = page.metadata?._continue || undefined;
      pages += 1;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['s1', 's2', 's3', 's4', 's5']);
  });
});

describe('updates and patches', () => {
  it('uses resourceVersion for optimistic concurrency: a stale update is 409 Conflict', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('occ'),
    });
    const fresh = await core.replaceNamespacedConfigMap({
      name: 'occ',
      namespace: ns,
      body: { ...created, data: { a: '2' } },
    });
    expect(Number(fresh.metadata!.resourceVersion)).not.toBe(
      Number(created.metadata!.resourceVersion),
    );
    const err = await failure(() =>
      core.replaceNamespacedConfigMap({
        name: 'occ',
        namespace: ns,
        body: { ...created, data: { a: '3' } },
      }),
    );
    expect(err.code).toBe(409);
    expect(statusBody(err)).toMatchObject({ reason: 'Conflict' });
    const same = await core.replaceNamespacedConfigMap({
      name: 'occ',
      namespace: ns,
      body: fresh,
    });
    expect(same.metadata!.resourceVersion).toBe(
      fresh.metadata!.resourceVersion,
    );
  });

  it('applies merge, strategic merge and JSON patches', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('patched'),
    });
    const merged = await apps.patchNamespacedDeployment(
      {
        name: 'patched',
        namespace: ns,
        body: {
          metadata: { labels: { extra: 'x' } },
          spec: {
            template: {
              spec: { containers: [{ name: 'other', image: 'busybox' }] },
            },
          },
        },
      },
      merge,
    );
    // A merge patch replaces lists...
    expect(merged.spec!.template.spec!.containers.map(c => c.name)).toEqual([
      'other',
    ]);
    expect(merged.metadata!.labels).toEqual({ app: 'patched', extra: 'x' });

    const strategicResult = await apps.patchNamespacedDeployment(
      {
        name: 'patched',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'main',
                    image: 'registry.k8s.io/pause:3.9',
                    env: [{ name: 'B', value: '2' }],
                    ports: [{ containerPort: 9090 }],
                  },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    // ...a strategic merge patch merges them by key.
    const containers = strategicResult.spec!.template.spec!.containers;
    expect(containers.map(c => c.name).sort()).toEqual(['main', 'other']);
    const removed = await apps.patchNamespacedDeployment(
      {
        name: 'patched',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: { containers: [{ name: 'other', $patch: 'delete' }] },
            },
          },
        },
      },
      strategic,
    );
    expect(removed.spec!.template.spec!.containers.map(c => c.name)).toEqual([
      'main',
    ]);

    const json = await apps.patchNamespacedDeployment(
      {
        name: 'patched',
        namespace: ns,
        body: [
          { op: 'test', path: '/spec/replicas', value: 1 },
          { op: 'replace', path: '/spec/replicas', value: 2 },
          { op: 'add', path: '/metadata/annotations', value: { note: 'json' } },
        ],
      },
      jsonPatch,
    );
    expect(json.spec!.replicas).toBe(2);
    expect(json.metadata!.annotations).toEqual({ note: 'json' });
    const failed = await failure(() =>
      apps.patchNamespacedDeployment(
        {
          name: 'patched',
          namespace: ns,
          body: [{ op: 'test', path: '/spec/replicas', value: 5 }],
        },
        jsonPatch,
      ),
    );
    expect(failed.code).toBe(422);
  });

  it('rejects unsupported patch content types with 415', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('ctype'),
    });
    const err = await failure(() =>
      core.patchNamespacedConfigMap(
        { name: 'ctype', namespace: ns, body: { data: { a: '2' } } },
        setHeaderOptions('Content-Type', 'text/plain'),
      ),
    );
    expect(err.code).toBe(415);
  });
});

describe('server-side apply', () => {
  const applied = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, labels: { owner: 'contract' } },
    data,
  });

  it('creates, records managedFields, reports conflicts between managers, and forces', async () => {
    const created = await objects.patch(
      applied('ssa', { a: '1', b: '2' }),
      undefined,
      undefined,
      'manager-a',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    const entry = created.metadata!.managedFields!.find(
      m => m.manager === 'manager-a',
    )!;
    expect(entry).toMatchObject({
      operation: 'Apply',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
    });
    const owned = entry.fieldsV1 as Record<string, any>;
    expect(Object.keys(owned['f:data'])).toEqual(
      expect.arrayContaining(['f:a', 'f:b']),
    );
    expect(Object.keys(owned['f:metadata']['f:labels'])).toContain('f:owner');

    const conflict = await failure(() =>
      objects.patch(
        applied('ssa', { a: 'other' }),
        undefined,
        undefined,
        'manager-b',
        undefined,
        PatchStrategy.ServerSideApply,
      ),
    );
    expect(conflict.code).toBe(409);
    const status = statusBody(conflict);
    expect(status.reason).toBe('Conflict');
    expect(status.details.causes).toEqual([
      expect.objectContaining({
        reason: 'FieldManagerConflict',
        field: '.data.a',
      }),
    ]);
    expect(status.message).toContain('manager-a');

    const forced = (await objects.patch(
      applied('ssa', { a: 'other' }),
      undefined,
      undefined,
      'manager-b',
      true,
      PatchStrategy.ServerSideApply,
    )) as any;
    expect(forced.data).toEqual({ a: 'other', b: '2' });
    // Which data keys each manager owns now ("." marks the map itself, if listed).
    const owners = forced.metadata.managedFields.map((m: any) => [
      m.manager,
      Object.keys(m.fieldsV1['f:data'] ?? {}).filter(k => k !== '.'),
    ]);
    expect(owners).toEqual(
      expect.arrayContaining([
        ['manager-a', ['f:b']],
        ['manager-b', ['f:a']],
      ]),
    );
  });

  it('does not write (resourceVersion unchanged) when an apply changes nothing', async () => {
    const first = await objects.patch(
      applied('noop', { a: '1' }),
      undefined,
      undefined,
      'tool',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    const second = await objects.patch(
      applied('noop', { a: '1' }),
      undefined,
      undefined,
      'tool',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect(second.metadata!.resourceVersion).toBe(
      first.metadata!.resourceVersion,
    );
    const third = await objects.patch(
      applied('noop', { a: '2' }),
      undefined,
      undefined,
      'tool',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect(third.metadata!.resourceVersion).not.toBe(
      first.metadata!.resourceVersion,
    );
  });

  it('works through the typed clients with the apply content type and a YAML-compatible body', async () => {
    const d = await apps.patchNamespacedDeployment(
      {
        name: 'applied-deploy',
        namespace: ns,
        body: deployment('applied-deploy'),
        fieldManager: 'tool',
        force: true,
      },
      apply,
    );
    expect(
      d.metadata!.managedFields!.some(
        m => m.manager === 'tool' && m.operation === 'Apply',
      ),
    ).toBe(true);
    const err = await failure(() =>
      apps.patchNamespacedDeployment(
        {
          name: 'applied-deploy',
          namespace: ns,
          body: deployment('applied-deploy'),
        },
        apply,
      ),
    );
    // fieldManager is required for apply.
    expect([400, 422]).toContain(err.code);
  });
});

describe('validation', () => {
  it('answers 422 Invalid naming the field for names that are not DNS-1123', async () => {
    const err = await failure(() =>
      core.createNamespace({ body: { metadata: { name: 'Not_A_Label' } } }),
    );
    expect(err.code).toBe(422);
    expect(statusBody(err)).toMatchObject({
      reason: 'Invalid',
      details: {
        kind: 'Namespace',
        causes: [expect.objectContaining({ field: 'metadata.name' })],
      },
    });
    const cm = await failure(() =>
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'UPPER' } },
      }),
    );
    expect(cm.code).toBe(422);
  });

  it('answers 400 BadRequest for a malformed body', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('malformed'),
    });
    // A JSON patch must be a list of operations.
    const err = await failure(() =>
      core.patchNamespacedConfigMap(
        { name: 'malformed', namespace: ns, body: { op: 'not-a-list' } },
        jsonPatch,
      ),
    );
    expect(err.code).toBe(400);
    expect(statusBody(err)).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
    });
  });
});

describe('status subresource and generation', () => {
  const group = 'contract.ml-platform.io';
  let plural: string;
  let kind: string;

  beforeAll(async () => {
    // A CRD unique to the run, so that the suite also works on a shared cluster.
    const suffix = t.prefix.replace(/[^a-z0-9]/g, '');
    plural = `widgets${suffix}`;
    kind = `Widget${suffix}`;
    const ext = t.kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `${plural}.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: {
            plural,
            singular: plural.slice(0, -1),
            kind,
            listKind: `${kind}List`,
          },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  // The typed client's name for x-kubernetes-preserve-unknown-fields;
                  // the wire name would be dropped and everything pruned.
                  x_kubernetes_preserve_unknown_fields: true,
                },
              },
            },
          ],
        },
      },
    });
    await waitFor(
      async () => {
        const crd = await ext.readCustomResourceDefinition({
          name: `${plural}.${group}`,
        });
        return crd.status?.conditions?.some(
          c => c.type === 'Established' && c.status === 'True',
        );
      },
      { what: 'CRD established' },
    );
  });

  afterAll(async () => {
    await t.kc
      .makeApiClient(ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name: `${plural}.${group}` })
      .catch(() => undefined);
  });

  it('registers CRDs so that discovery and CRUD work for the new kind', async () => {
    // A fresh generic client re-reads discovery.
    const generic = KubernetesObjectApi.makeApiClient(t.kc);
    await waitFor(
      () =>
        generic.create({
          apiVersion: `${group}/v1`,
          kind,
          metadata: { name: 'w0', namespace: ns },
          spec: { size: 0 },
        } as KubernetesObject),
      { what: 'custom resource creatable' },
    );
    const list = (await custom.listNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns,
      plural,
    })) as any;
    expect(list.items.map((i: any) => i.metadata.name)).toContain('w0');
  });

  it('bumps generation on spec changes only and keeps status to the subresource', async () => {
    const created = (await custom.createNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns,
      plural,
      body: {
        apiVersion: `${group}/v1`,
        kind,
        metadata: { name: 'w1' },
        spec: { size: 1 },
        status: { ignored: true },
      },
    })) as any;
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toBeUndefined();

    const labelled = (await custom.patchNamespacedCustomObject(
      {
        group,
        version: 'v1',
        namespace: ns,
        plural,
        name: 'w1',
        body: {
          metadata: { labels: { x: 'y' } },
          status: { phase: 'main-endpoint' },
        },
      },
      merge,
    )) as any;
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.status).toBeUndefined();

    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version: 'v1',
        namespace: ns,
        plural,
        name: 'w1',
        body: { status: { phase: 'Ready' }, spec: { size: 99 } },
      },
      merge,
    )) as any;
    expect(withStatus.status).toEqual({ phase: 'Ready' });
    expect(withStatus.spec).toEqual({ size: 1 });
    expect(withStatus.metadata.generation).toBe(1);

    const resized = (await custom.patchNamespacedCustomObject(
      {
        group,
        version: 'v1',
        namespace: ns,
        plural,
        name: 'w1',
        body: { spec: { size: 2 } },
      },
      merge,
    )) as any;
    expect(resized.metadata.generation).toBe(2);
    expect(resized.status).toEqual({ phase: 'Ready' });
  });
});

describe('deletion', () => {
  it('deletes objects, then answers 404', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('gone'),
    });
    await core.deleteNamespacedConfigMap({ name: 'gone', namespace: ns });
    expect(
      statusCode(
        await failure(() =>
          core.readNamespacedConfigMap({ name: 'gone', namespace: ns }),
        ),
      ),
    ).toBe(404);
  });

  it('cascades a namespace deletion: Terminating, contents removed, no new content, then gone', async () => {
    const child = `${t.prefix}-child`;
    await core.createNamespace({ body: { metadata: { name: child } } });
    await core.createNamespacedConfigMap({
      namespace: child,
      body: { metadata: { name: 'plain' }, data: { a: '1' } },
    });
    await core.createNamespacedConfigMap({
      namespace: child,
      body: {
        metadata: {
          name: 'held',
          finalizers: ['contract.ml-platform.io/hold'],
        },
      },
    });
    await core.deleteNamespace({ name: child });

    const terminating = await core.readNamespace({ name: child });
    expect(terminating.status?.phase).toBe('Terminating');
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    await waitFor(
      async () =>
        statusCode(
          await failure(() =>
            core.readNamespacedConfigMap({ name: 'plain', namespace: child }),
          ),
        ) === 404,
      { what: 'namespace contents deleted' },
    );
    const refused = await failure(() =>
      core.createNamespacedConfigMap({
        namespace: child,
        body: { metadata: { name: 'late' } },
      }),
    );
    expect(refused.code).toBe(403);
    expect(statusBody(refused).message).toContain('being terminated');

    await core.patchNamespacedConfigMap(
      {
        name: 'held',
        namespace: child,
        body: { metadata: { finalizers: null } },
      },
      merge,
    );
    await waitFor(
      async () =>
        statusCode(await failure(() => core.readNamespace({ name: child }))) ===
        404,
      { what: 'namespace gone' },
    );
  });
});

describe('simulated controllers', () => {
  sandboxOnly(
    'run a Deployment to ready pods and report availability',
    async () => {
      await apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('ctl'),
      });
      const d = await waitFor(async () => {
        const live = await apps.readNamespacedDeployment({
          name: 'ctl',
          namespace: ns,
        });
        return live.status?.availableReplicas === 1 ? live : undefined;
      });
      expect(
        d.status?.conditions?.find(c => c.type === 'Available')?.status,
      ).toBe('True');
      const pods = await core.listNamespacedPod({
        namespace: ns,
        labelSelector: 'app=ctl',
      });
      expect(pods.items).toHaveLength(1);
      expect(pods.items[0].status?.phase).toBe('Running');
      expect(pods.items[0].metadata?.ownerReferences?.[0].kind).toBe(
        'ReplicaSet',
      );
    },
  );

  sandboxOnly(
    'install a HelmRelease as Deployment, Service and Ingress, then report Ready',
    async () => {
      // The chart comes from the sandbox's own Helm repository when it serves the
      // contracts; without them the release installs whatever chart it names.
      if (t.sandbox?.chartsUrl) {
        await objects.patch(
          {
            apiVersion: 'source.toolkit.fluxcd.io/v1',
            kind: 'HelmRepository',
            metadata: { name: 'community-charts', namespace: ns },
            spec: {
              interval: '10m',
              url: `${t.sandbox.chartsUrl}/community-charts`,
            },
          },
          undefined,
          undefined,
          'ml-platform',
          true,
          PatchStrategy.ServerSideApply,
        );
      }
      const release = {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: {
          name: 'mlflow',
          namespace: ns,
          labels: { 'ml-platform.io/tool': 'mlflow' },
        },
        spec: {
          interval: '10m',
          chart: {
            spec: {
              chart: 'mlflow',
              version: '1.11.5',
              sourceRef: { kind: 'HelmRepository', name: 'community-charts' },
            },
          },
          values: {
            ingress: {
              enabled: true,
              hosts: [
                {
                  host: 'mlflow.contract.test',
                  paths: [{ path: '/', pathType: 'ImplementationSpecific' }],
                },
              ],
            },
          },
        },
      };
      await objects.patch(
        release,
        undefined,
        undefined,
        'ml-platform',
        true,
        PatchStrategy.ServerSideApply,
      );
      const selector =
        'app.kubernetes.io/instance=mlflow,app.kubernetes.io/name=mlflow,app.kubernetes.io/managed-by=Helm';
      const deployments = await apps.listNamespacedDeployment({
        namespace: ns,
        labelSelector: selector,
      });
      expect(deployments.items).toHaveLength(1);
      expect(
        deployments.items[0].metadata?.labels?.['ml-platform.io/tool'],
      ).toBe('mlflow');
      expect(
        (
          await core.listNamespacedService({
            namespace: ns,
            labelSelector: selector,
          })
        ).items,
      ).toHaveLength(1);
      const ingresses = (await objects.list(
        'networking.k8s.io/v1',
        'Ingress',
        ns,
        undefined,
        undefined,
        undefined,
        undefined,
        selector,
      )) as any;
      expect(ingresses.items[0].spec.rules[0].host).toBe(
        'mlflow.contract.test',
      );
      const live = (await custom.getNamespacedCustomObject({
        group: 'helm.toolkit.fluxcd.io',
        version: 'v2',
        namespace: ns,
        plural: 'helmreleases',
        name: 'mlflow',
      })) as any;
      expect(
        live.status.conditions.find((c: any) => c.type === 'Ready'),
      ).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });

      await objects.patch(
        {
          ...release,
          metadata: {
            ...release.metadata,
            name: 'broken',
            annotations: { 'sandbox.ml-platform.io/fail': 'image pull failed' },
          },
        },
        undefined,
        undefined,
        'ml-platform',
        true,
        PatchStrategy.ServerSideApply,
      );
      const broken = (await custom.getNamespacedCustomObject({
        group: 'helm.toolkit.fluxcd.io',
        version: 'v2',
        namespace: ns,
        plural: 'helmreleases',
        name: 'broken',
      })) as any;
      expect(
        broken.status.conditions.find((c: any) => c.type === 'Ready'),
      ).toMatchObject({ status: 'False', reason: 'InstallFailed' });

      await custom.deleteNamespacedCustomObject({
        group: 'helm.toolkit.fluxcd.io',
        version: 'v2',
        namespace: ns,
        plural: 'helmreleases',
        name: 'mlflow',
      });
      await waitFor(
        async () =>
          (
            await apps.listNamespacedDeployment({
              namespace: ns,
              labelSelector: selector,
            })
          ).items.length === 0,
      );
    },
  );

  sandboxOnly(
    'turn a Kubeflow Profile into a namespace, a RoleBinding and an AuthorizationPolicy',
    async () => {
      const name = `${t.prefix}-profile`;
      await custom.createClusterCustomObject({
        group: 'kubeflow.org',
        version: 'v1',
        plural: 'profiles',
        body: {
          apiVersion: 'kubeflow.org/v1',
          kind: 'Profile',
          metadata: { name },
          spec: { owner: { kind: 'User', name: 'alice@example.test' } },
        },
      });
      const namespace = await core.readNamespace({ name });
      expect(namespace.metadata?.labels).toMatchObject({
        'app.kubernetes.io/part-of': 'kubeflow-profile',
        'istio-injection': 'enabled',
      });
      expect(namespace.metadata?.annotations?.owner).toBe('alice@example.test');
      const rb = await t.kc
        .makeApiClient(RbacAuthorizationV1Api)
        .readNamespacedRoleBinding({ name: 'namespaceAdmin', namespace: name });
      expect(rb.roleRef).toMatchObject({
        kind: 'ClusterRole',
        name: 'kubeflow-admin',
      });
      expect(rb.subjects?.[0]).toMatchObject({
        kind: 'User',
        name: 'alice@example.test',
      });
      const policy = await custom.getNamespacedCustomObject({
        group: 'security.istio.io',
        version: 'v1',
        namespace: name,
        plural: 'authorizationpolicies',
        name: 'ns-owner-access-istio',
      });
      expect(policy).toBeDefined();
      await custom.deleteClusterCustomObject({
        group: 'kubeflow.org',
        version: 'v1',
        plural: 'profiles',
        name,
      });
    },
  );
});

describe('sandbox-only behaviour', () => {
  sandboxOnly('answers 401 without a token', async () => {
    const kc = new KubeConfig();
    const options = t.sandbox!.kubeConfigFor('sandbox');
    kc.loadFromOptions({
      ...options,
      users: [{ name: options.users[0].name }] as any,
    });
    // (client-node drops the body of 401 answers; the sandbox's own tests check the Status.)
    const err = await failure(() =>
      kc.makeApiClient(CoreV1Api).listNamespace(),
    );
    expect(err.code).toBe(401);
  });

  sandboxOnly('surfaces 429 with Retry-After to the client', async () => {
    t.sandbox!.faults.add({
      match: { server: 'kubernetes', method: 'GET', path: '/configmaps$' },
      status: 429,
      errorRate: 1,
      retryAfterSeconds: 3,
      times: 1,
    });
    const err = await failure(() =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    expect(err.code).toBe(429);
    expect(err.headers['retry-after']).toBe('3');
    expect(statusBody(err)).toMatchObject({ reason: 'TooManyRequests' });
    expect(
      (await core.listNamespacedConfigMap({ namespace: ns })).items.length,
    ).toBeGreaterThan(0);
  });

  sandboxOnly(
    'keeps clusters isolated, each with its own token and state',
    async () => {
      const other = new KubeConfig();
      other.loadFromOptions(t.sandbox!.kubeConfigFor('other'));
      const otherCore = other.makeApiClient(CoreV1Api);
      expect(
        statusCode(await failure(() => otherCore.readNamespace({ name: ns }))),
      ).toBe(404);
      await otherCore.createNamespace({
        body: { metadata: { name: `${t.prefix}-only-other` } },
      });
      expect(
        statusCode(
          await failure(() =>
            core.readNamespace({ name: `${t.prefix}-only-other` }),
          ),
        ),
      ).toBe(404);
      const crossed = new KubeConfig();
      const options = t.sandbox!.kubeConfigFor('other');
      crossed.loadFromOptions({
        ...options,
        users: [
          {
            name: options.users[0].name,
            token: t.sandbox!.cluster('sandbox').token,
          },
        ],
      });
      expect(
        statusCode(
          await failure(() => crossed.makeApiClient(CoreV1Api).listNamespace()),
        ),
      ).toBe(401);
    },
  );

  sandboxOnly('logs every request for tests and benchmarks', async () => {
    const mark = t.sandbox!.log.mark();
    await core.readNamespace({ name: ns });
    expect(
      t.sandbox!.log.countsByRoute({ since: mark, server: 'kubernetes' }),
    ).toEqual({ [`GET /api/v1/namespaces/${ns}`]: 1 });
  });
});
