import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import { AUTH_PROXY_CHART } from '@ml-platform/plugin-ml-tools-node';
import { notebookViewerBlueprint } from '../__testUtils__/blueprints';
import {
  mlflowInput,
  startHarness,
  writesSince,
} from '../__testUtils__/harness';

jest.setTimeout(60_000);

/** Statuses the backend's error handler gives these errors: all 4xx. */
const STATUS_OF: Record<string, number> = {
  InputError: 400,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
};

describe('ml-tools:deploy against the sandbox', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;

  beforeAll(async () => {
    h = await startHarness({
      pullSecret: true,
      blueprints: [notebookViewerBlueprint],
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('deploys MLflow end to end: namespace, secrets, Keycloak client, groups, release, Ready', async () => {
    const result = await h.run('ml-tools:deploy', mlflowInput());
    expect(result.error).toBeUndefined();
    expect(result.outputs).toMatchObject({
      entityRef: 'component:default/sandbox-ml-vision-mlflow-vision',
      instanceRef: 'sandbox/ml-vision/mlflow-vision',
      url: 'https://mlflow-vision.sandbox.local',
      clientId: 'mlflow-vision',
    });
    expect((result.outputs.links as any[]).map(l => l.type)).toEqual([
      'ui',
      'api',
      'docs',
      'keycloak-console',
    ]);

    const sim = h.cluster.simulator;
    const ns = sim.get('v1', 'Namespace', 'ml-vision')!;
    expect(ns.metadata.labels?.[ML_PLATFORM_LABELS.managedBy]).toBe(
      ML_PLATFORM_MANAGER,
    );
    expect(sim.get('v1', 'Secret', 'regcred', 'ml-vision')?.type).toBe(
      'kubernetes.io/dockerconfigjson',
    );
    // Each key in the Secret its chart reads: the database's (a fixed name the chart
    // expects) and the bucket's.
    const keysOf = (name: string) =>
      Object.keys(
        sim.get('v1', 'Secret', name, 'ml-vision')!.data as object,
      ).sort();
    expect(keysOf('mlflow-vision-postgresql')).toEqual([
      'password',
      'postgres-password',
      'username',
    ]);
    expect(keysOf('mlflow-vision-secrets')).toEqual([
      'rootPassword',
      'rootUser',
    ]);
    for (const kind of ['HelmRelease', 'HelmRepository']) {
      const apiVersion =
        kind === 'HelmRelease'
          ? 'helm.toolkit.fluxcd.io/v2'
          : 'source.toolkit.fluxcd.io/v1';
      for (const o of sim.list(apiVersion, kind, { namespace: 'ml-vision' })) {
        expect(o.metadata.labels).toMatchObject({
          [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
          [ML_PLATFORM_LABELS.instance]: 'mlflow-vision',
          [ML_PLATFORM_LABELS.tool]: 'mlflow',
          [ML_PLATFORM_LABELS.owner]: 'vision',
        });
        // One field manager for every apply (controllers own only status and finalizers).
        const managers = (o.metadata.managedFields as any[])
          .filter(f => f.operation === 'Apply' && f.subresource !== 'status')
          .map(f => f.manager);
        expect(managers).toEqual([ML_PLATFORM_MANAGER]);
      }
    }
    const release = sim.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'mlflow-vision',
      'ml-vision',
    )!;
    expect(
      JSON.parse(
        release.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
      ),
    ).toEqual({
      admin: ['/vision-leads'],
      // group:default/vision is the seeded subgroup, not a new top-level group.
      user: [
        '/analysts/vision-review',
        '/data-scientists',
        '/data-scientists/vision',
        '/ml-ops',
      ],
    });
    const values = (release.spec as any).values;
    expect(values.postgresql.enabled).toBe(true);
    expect(values.postgresql.primary.persistence.size).toBe('10Gi');
    expect(values.postgresql.auth.existingSecret).toBe(
      'mlflow-vision-postgresql',
    );
    expect(values.minio.buckets).toEqual([
      { name: 'mlflow', policy: 'none', purge: false },
    ]);
    expect(values.minio.existingSecret).toBe('mlflow-vision-secrets');
    // MLflow signs users in itself: its own ingress opens the host, no proxy in front.
    expect(values.ingress.hosts[0].host).toBe('mlflow-vision.sandbox.local');
    expect(values.oidcAuth).toMatchObject({
      enabled: true,
      clientId: 'mlflow-vision',
      existingSecret: { name: 'mlflow-vision-oidc' },
      redirectUri: 'https://mlflow-vision.sandbox.local/callback',
      // Full paths: /team-a/vision and /team-b/vision are different groups.
      adminGroupName: ['/vision-leads'],
      groupName: [
        '/analysts/vision-review',
        '/data-scientists',
        '/data-scientists/vision',
        '/ml-ops',
      ],
    });
    expect(
      sim
        .list('helm.toolkit.fluxcd.io/v2', 'HelmRelease', {
          namespace: 'ml-vision',
        })
        .map(r => r.metadata.name),
    ).toEqual(['mlflow-vision']);
    const ready = (release.status as any).conditions.find(
      (c: any) => c.type === 'Ready',
    );
    expect(ready.status).toBe('True');
    // The harness's sandbox serves the contracts: it pulled the chart and its schema
    // took the values.
    expect(h.sandbox.chartsUrl).toBeDefined();
    expect(ready.message).toMatch(/with chart mlflow@1\.11\.5$/);
    expect(result.logs.join('\n')).toMatch(
      /HelmRelease ml-vision\/mlflow-vision is ready/,
    );

    const client = (await h.keycloak.findClientByClientId('mlflow-vision'))!;
    expect(client.attributes).toMatchObject({
      [KEYCLOAK_ATTRIBUTES.managedBy]: ML_PLATFORM_MANAGER,
      [KEYCLOAK_ATTRIBUTES.instance]: 'sandbox/ml-vision/mlflow-vision',
      [KEYCLOAK_ATTRIBUTES.owner]: 'group:default/vision',
    });
    expect(client.publicClient).toBe(false);
    expect(client.redirectUris).toEqual([
      'https://mlflow-vision.sandbox.local/callback',
    ]);
    expect(client.defaultClientScopes).toContain('mlflow-vision-audience');
    expect(client.protocolMappers?.map(m => m.protocolMapper)).toEqual([
      'oidc-group-membership-mapper',
    ]);
    const scope = (await h.keycloak.findClientScopeByName(
      'mlflow-vision-audience',
    ))!;
    const audience = (scope.protocolMappers ??
      (await h.keycloak.listClientScopeProtocolMappers(scope.id!)))[0];
    expect(audience.config['included.client.audience']).toBe('mlflow-vision');
    const oidc = sim.get('v1', 'Secret', 'mlflow-vision-oidc', 'ml-vision')!;
    const secret = await h.keycloak.getClientSecret(client.id!);
    expect(
      Buffer.from((oidc.data as any)['client-secret'], 'base64').toString(),
    ).toBe(secret);
    // No proxy, so no cookie secret.
    expect(Object.keys(oidc.data as object).sort()).toEqual([
      'client-id',
      'client-secret',
    ]);
    expect(
      (await h.keycloak.listClientRoles(client.id!)).map(r => r.name).sort(),
    ).toEqual(['admin', 'user']);
    const created = (await h.keycloak.findGroupByPath(
      '/analysts/vision-review',
    ))!;
    expect(created.attributes?.[KEYCLOAK_ATTRIBUTES.createdFor]).toEqual([
      'sandbox/ml-vision/mlflow-vision',
    ]);
    expect(
      (
        await h.keycloak.listGroupClientRoleMappings(created.id!, client.id!)
      ).map(r => r.name),
    ).toEqual(['user']);
    expect(await h.keycloak.findGroupByPath('/vision')).toBeUndefined();
    const vision = (await h.keycloak.findGroupByPath(
      '/data-scientists/vision',
    ))!;
    expect(vision.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy]).toBeUndefined();
    expect(
      (
        await h.keycloak.listGroupClientRoleMappings(vision.id!, client.id!)
      ).map(r => r.name),
    ).toEqual(['user']);
    // A group that existed before is used, not marked as ours.
    const existing = (await h.keycloak.findGroupByPath('/data-scientists'))!;
    expect(
      existing.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy],
    ).toBeUndefined();
    expect(
      (
        await h.keycloak.listGroupClientRoleMappings(existing.id!, client.id!)
      ).map(r => r.name),
    ).toEqual(['user']);
    const leads = (await h.keycloak.findGroupByPath('/vision-leads'))!;
    expect(
      (await h.keycloak.listGroupClientRoleMappings(leads.id!, client.id!)).map(
        r => r.name,
      ),
    ).toEqual(['admin']);
  });

  it('deploys a tool behind the auth proxy: one --allowed-group per full path, client with a cookie secret', async () => {
    const result = await h.run('ml-tools:deploy', {
      blueprint: notebookViewerBlueprint.id,
      namespace: 'ml-vision',
      name: 'viewer-vision',
      owner: 'group:default/vision',
      roleMappings: {
        viewer: [
          'group:default/vision',
          '/analysts/vision-review',
          'group:default/data-scientists',
        ],
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.outputs.url).toBe('https://viewer-vision.sandbox.local');
    const sim = h.cluster.simulator;
    const proxy = sim.get(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'viewer-vision-proxy',
      'ml-vision',
    )!;
    expect((proxy.spec as any).chart.spec).toMatchObject({
      chart: AUTH_PROXY_CHART.chart,
      version: AUTH_PROXY_CHART.version,
    });
    const values = (proxy.spec as any).values;
    // Client id, client secret and cookie secret by reference only.
    expect(values.config).toEqual({ existingSecret: 'viewer-vision-oidc' });
    expect(values.ingress.hosts).toEqual(['viewer-vision.sandbox.local']);
    expect(values.extraArgs).toEqual(
      expect.arrayContaining([
        '--redirect-url=https://viewer-vision.sandbox.local/oauth2/callback',
        '--upstream=http://viewer-vision.ml-vision.svc:80',
      ]),
    );
    // Full paths: /team-a/vision and /team-b/vision are different groups.
    expect(
      (values.extraArgs as string[]).filter(a =>
        a.startsWith('--allowed-group='),
      ),
    ).toEqual([
      '--allowed-group=/analysts/vision-review',
      '--allowed-group=/data-scientists',
      '--allowed-group=/data-scientists/vision',
    ]);
    for (const name of ['viewer-vision', 'viewer-vision-proxy']) {
      const release = sim.get(
        'helm.toolkit.fluxcd.io/v2',
        'HelmRelease',
        name,
        'ml-vision',
      )!;
      expect({
        name,
        ready: (release.status as any).conditions.find(
          (c: any) => c.type === 'Ready',
        ).status,
      }).toEqual({ name, ready: 'True' });
    }
    const client = (await h.keycloak.findClientByClientId('viewer-vision'))!;
    expect(client.redirectUris).toEqual([
      'https://viewer-vision.sandbox.local/oauth2/callback',
    ]);
    const oidc = sim.get('v1', 'Secret', 'viewer-vision-oidc', 'ml-vision')!;
    expect(Object.keys(oidc.data as object).sort()).toEqual([
      'client-id',
      'client-secret',
      'cookie-secret',
    ]);

    const dry = await h.run(
      'ml-tools:deploy',
      {
        blueprint: notebookViewerBlueprint.id,
        namespace: 'team-dry',
        name: 'viewer-dry',
        owner: 'group:default/vision',
      },
      { dryRun: true },
    );
    expect(dry.error).toBeUndefined();
    expect(
      (dry.outputs.plan as any[])
        .filter(c => c.action === 'create' && c.kind === 'HelmRelease')
        .map(c => c.name),
    ).toEqual(['team-dry/viewer-dry', 'team-dry/viewer-dry-proxy']);
  });

  it('asks the catalog for a cycle of its cluster once the instance is ready, never in a dry run or on failure', async () => {
    const before = h.refreshRequests.length;
    const deployed = await h.run(
      'ml-tools:deploy',
      mlflowInput({ name: 'mlflow-fresh', namespace: 'ml-fresh' }),
    );
    expect(deployed.error).toBeUndefined();
    expect(h.refreshRequests.slice(before)).toEqual([
      { cluster: 'sandbox', instanceRef: 'sandbox/ml-fresh/mlflow-fresh' },
    ]);
    expect(deployed.logs.join('\n')).toContain(
      'Asked the catalog to refresh sandbox/ml-fresh/mlflow-fresh',
    );

    await h.run(
      'ml-tools:deploy',
      mlflowInput({ name: 'mlflow-fresh-dry', namespace: 'ml-fresh' }),
      { dryRun: true },
    );
    const failed = await h.run(
      'ml-tools:deploy',
      mlflowInput({ namespace: 'kube-system' }),
    );
    expect(failed.error?.name).toBe('NotAllowedError');
    expect(h.refreshRequests).toHaveLength(before + 1);

    // A refresh that cannot be asked for does not undo a successful deploy.
    h.refresh.failure = new Error('events bus unreachable');
    try {
      const again = await h.run(
        'ml-tools:deploy',
        mlflowInput({ name: 'mlflow-fresh', namespace: 'ml-fresh' }),
      );
      expect(again.error).toBeUndefined();
      expect(again.outputs.entityRef).toBe(
        'component:default/sandbox-ml-fresh-mlflow-fresh',
      );
      expect(again.logs.join('\n')).toMatch(
        /warn Could not ask the catalog to refresh sandbox\/ml-fresh\/mlflow-fresh: events bus unreachable/,
      );
    } finally {
      h.refresh.failure = undefined;
    }
  });

  it('re-runs with zero writes to either server and the same outputs', async () => {
    const first = await h.run('ml-tools:deploy', mlflowInput());
    const mark = h.sandbox.log.mark();
    const again = await h.run('ml-tools:deploy', mlflowInput());
    expect(again.error).toBeUndefined();
    expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
    expect(again.outputs).toEqual(first.outputs);
  });

  it('applies only what changed when the input changes', async () => {
    const mark = h.sandbox.log.mark();
    const result = await h.run(
      'ml-tools:deploy',
      mlflowInput({
        parameters: { databaseSize: '12Gi', artifactStorageSize: '50Gi' },
        roleMappings: {
          admin: ['group:default/vision-leads', '/analysts/vision-review'],
          user: [
            'group:default/ml-ops',
            'group:default/vision',
            'group:default/data-scientists',
          ],
        },
      }),
    );
    expect(result.error).toBeUndefined();
    const k8sWrites = writesSince(h.sandbox, 'kubernetes', mark).map(
      e => e.path,
    );
    expect(k8sWrites).toEqual([
      '/apis/helm.toolkit.fluxcd.io/v2/namespaces/ml-vision/helmreleases/mlflow-vision',
    ]);
    const kcWrites = writesSince(h.sandbox, 'keycloak', mark).map(
      e => e.method,
    );
    // /analysts/vision-review: user removed, admin added (the release's values above
    // changed with it: its admin and user group lists).
    expect(kcWrites.sort()).toEqual(['DELETE', 'POST']);
    // Back to the original input for the next tests.
    await h.run('ml-tools:deploy', mlflowInput());
  });

  it('dry run reports what would change and writes nothing', async () => {
    const mark = h.sandbox.log.mark();
    const result = await h.run(
      'ml-tools:deploy',
      mlflowInput({ name: 'mlflow-dry', namespace: 'team-dry' }),
      { dryRun: true },
    );
    expect(result.error).toBeUndefined();
    expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
    expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
    const plan = result.outputs.plan as any[];
    expect(
      plan.filter(c => c.action === 'create').map(c => `${c.kind} ${c.name}`),
    ).toEqual(
      expect.arrayContaining([
        'Namespace team-dry',
        'Secret team-dry/mlflow-dry-postgresql',
        'Secret team-dry/mlflow-dry-secrets',
        'client mlflow-dry',
        'client scope mlflow-dry-audience',
        'client role mlflow-dry/admin',
        'client role mlflow-dry/user',
        'HelmRelease team-dry/mlflow-dry',
      ]),
    );
    // One release: MLflow signs users in itself, no proxy.
    expect(plan.filter(c => c.kind === 'HelmRelease').map(c => c.name)).toEqual(
      ['team-dry/mlflow-dry'],
    );
    expect(result.logs.join('\n')).toMatch(/would create/);
    expect(result.checkpoints.size).toBe(0);

    // On a deployed instance the dry run finds nothing to do.
    const same = await h.run('ml-tools:deploy', mlflowInput(), {
      dryRun: true,
    });
    expect(
      (same.outputs.plan as any[]).every(
        c =>
          ['unchanged', 'foreign'].includes(c.action) ||
          (c.kind === 'group' && c.action === 'unchanged'),
      ),
    ).toBe(true);
  });

  describe('bad input fails with a 4xx naming the field, before any write', () => {
    beforeAll(async () => {
      // A release of someone else, in another namespace.
      h.cluster.simulator.apply({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'team-other' },
      });
      h.cluster.simulator.apply({
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name: 'mlflow-taken', namespace: 'team-other' },
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
      // A client made by hand, without our mark.
      await h.keycloak.createClient({
        clientId: 'someone-elses',
        enabled: true,
      });
    });

    it.each([
      ['an uppercase name', { name: 'MLflow-A' }, 'InputError', /input\.name/],
      [
        'an over-long name',
        { name: `m${'x'.repeat(40)}` },
        'InputError',
        /input\.name.*at most 40/,
      ],
      [
        'a name that is not DNS-1123',
        { name: 'mlflow_a' },
        'InputError',
        /input\.name.*DNS-1123/,
      ],
      [
        'a name ending with a dash',
        { name: 'mlflow-' },
        'InputError',
        /input\.name/,
      ],
      [
        'a release name taken in another namespace',
        { name: 'mlflow-taken' },
        'ConflictError',
        /input\.name.*team-other/,
      ],
      [
        'a namespace outside the allowed patterns',
        { namespace: 'finance' },
        'NotAllowedError',
        /input\.namespace.*ml-\*/,
      ],
      [
        'a system namespace',
        { namespace: 'kube-system' },
        'NotAllowedError',
        /input\.namespace "kube-system" is not allowed: it is a system namespace/,
      ],
      [
        'an unknown cluster',
        { cluster: 'nowhere' },
        'InputError',
        /input\.cluster.*nowhere/,
      ],
      [
        'an unknown blueprint',
        { blueprint: 'nope' },
        'InputError',
        /input\.blueprint/,
      ],
      [
        'a bad storage size',
        { parameters: { databaseSize: '10 GB' } },
        'InputError',
        /input\.parameters\.databaseSize/,
      ],
      [
        'an unknown role',
        { roleMappings: { OWNER: ['group:default/x'] } },
        'InputError',
        /input\.roleMappings\.OWNER/,
      ],
      [
        'a clientId owned by someone else',
        { name: 'mlflow-b', clientId: 'someone-elses' },
        'ConflictError',
        /someone-elses/,
      ],
    ])('%s', async (_what, overrides, errorName, message) => {
      const mark = h.sandbox.log.mark();
      const result = await h.run(
        'ml-tools:deploy',
        mlflowInput({ ...overrides } as any),
      );
      expect(result.error?.name).toBe(errorName);
      expect(STATUS_OF[result.error!.name]).toBeGreaterThanOrEqual(400);
      expect(STATUS_OF[result.error!.name]).toBeLessThan(500);
      expect(result.error?.message).toMatch(message);
      expect(
        h.sandbox.log.count({
          kind: 'write',
          since: mark,
          server: 'kubernetes',
        }),
      ).toBe(0);
      expect(writesSince(h.sandbox, 'keycloak', mark)).toEqual([]);
    });

    it('a wildcard redirect URI (keycloak:client:ensure)', async () => {
      const mark = h.sandbox.log.mark();
      const result = await h.run('keycloak:client:ensure', {
        namespace: 'ml-vision',
        name: 'wild',
        tool: 'mlflow',
        owner: 'group:default/vision',
        rootUrl: 'https://wild.sandbox.local',
        redirectUris: ['https://wild.sandbox.local/*'],
      });
      expect(result.error?.name).toBe('InputError');
      expect(result.error?.message).toMatch(
        /input\.redirectUris\[0\].*wildcard/,
      );
      expect(h.sandbox.log.count({ since: mark })).toBe(0);
    });

    it('plain http to a host other than localhost (keycloak:client:ensure)', async () => {
      const mark = h.sandbox.log.mark();
      const result = await h.run('keycloak:client:ensure', {
        namespace: 'ml-vision',
        name: 'plain',
        tool: 'mlflow',
        owner: 'group:default/vision',
        rootUrl: 'https://plain.sandbox.local',
        redirectUris: ['http://plain.sandbox.local/cb'],
      });
      expect(result.error?.message).toMatch(
        /input\.redirectUris\[0\].*plain http/,
      );
      expect(h.sandbox.log.count({ since: mark })).toBe(0);
    });
  });
});

describe('ml-tools:deploy with the argocd driver', () => {
  it('writes Applications in the Argo CD namespace and waits for them', async () => {
    const h = await startHarness({ driver: 'argocd' });
    try {
      h.cluster.simulator.apply({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'argocd' },
      });
      const result = await h.run('ml-tools:deploy', mlflowInput());
      expect(result.error).toBeUndefined();
      const app = h.cluster.simulator.get(
        'argoproj.io/v1alpha1',
        'Application',
        'mlflow-vision',
        'argocd',
      )!;
      expect((app.spec as any).destination.namespace).toBe('ml-vision');
      expect((app.spec as any).source.chart).toBe('mlflow');
      expect(
        h.cluster.simulator.list(
          'source.toolkit.fluxcd.io/v1',
          'HelmRepository',
          {},
        ),
      ).toEqual([]);
      const mark = h.sandbox.log.mark();
      await h.run('ml-tools:deploy', mlflowInput());
      expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
