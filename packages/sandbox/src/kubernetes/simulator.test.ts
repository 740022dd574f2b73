import { startSandbox, type Sandbox } from '../sandbox';

describe('KubernetesSimulator over HTTP', () => {
  let sb: Sandbox;
  let url: string;
  let token: string;
  const call = async (
    path: string,
    init: RequestInit & { auth?: boolean } = {},
  ) => {
    const headers: Record<string, string> = {
      ...(init.headers as Record<string, string>),
    };
    if (init.auth !== false) headers.authorization = `Bearer ${token}`;
    const res = await fetch(url + path, { ...init, headers });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text answers (health probes)
    }
    return { status: res.status, headers: res.headers, body };
  };

  beforeAll(async () => {
    sb = await startSandbox({ keycloak: false });
    ({ url, token } = sb.clusters[0]);
  });
  afterAll(() => sb.stop());
  afterEach(() => sb.faults.clear());

  it('answers 401 with a Status without the bearer token, but serves /version', async () => {
    const res = await call('/api/v1/namespaces', { auth: false });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      kind: 'Status',
      code: 401,
      reason: 'Unauthorized',
    });
    expect(
      (
        await call('/api/v1/namespaces', {
          auth: false,
          headers: { authorization: 'Bearer wrong' },
        })
      ).status,
    ).toBe(401);
    expect((await call('/version', { auth: false })).body).toMatchObject({
      major: '1',
      gitVersion: expect.any(String),
    });
  });

  it('serves discovery documents', async () => {
    expect((await call('/api')).body).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    });
    const groups = (await call('/apis')).body;
    expect(groups.groups.map((g: any) => g.name)).toEqual(
      expect.arrayContaining([
        'apps',
        'batch',
        'autoscaling',
        'networking.k8s.io',
        'rbac.authorization.k8s.io',
        'apiextensions.k8s.io',
        'metrics.k8s.io',
        'helm.toolkit.fluxcd.io',
        'source.toolkit.fluxcd.io',
        'argoproj.io',
        'kubeflow.org',
        'security.istio.io',
      ]),
    );
    const core = (await call('/api/v1')).body;
    expect(core.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'pods',
          kind: 'Pod',
          namespaced: true,
          verbs: expect.arrayContaining(['list', 'create']),
        }),
        expect.objectContaining({ name: 'namespaces', namespaced: false }),
        expect.objectContaining({ name: 'pods/status' }),
      ]),
    );
    const profiles = (await call('/apis/kubeflow.org/v1')).body;
    expect(profiles.resources[0]).toMatchObject({
      name: 'profiles',
      kind: 'Profile',
      namespaced: false,
    });
    expect((await call('/apis/nope.example.com/v1')).status).toBe(404);
    expect((await call('/apis/apps')).body).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { groupVersion: 'apps/v1' },
    });
  });

  it('lists across namespaces with label selectors, as the Backstage Kubernetes backend does', async () => {
    for (const path of [
      '/api/v1/pods',
      '/api/v1/services',
      '/api/v1/configmaps',
      '/api/v1/limitranges',
      '/api/v1/resourcequotas',
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/replicasets',
      '/apis/apps/v1/statefulsets',
      '/apis/apps/v1/daemonsets',
      '/apis/autoscaling/v2/horizontalpodautoscalers',
      '/apis/batch/v1/jobs',
      '/apis/batch/v1/cronjobs',
      '/apis/networking.k8s.io/v1/ingresses',
      '/apis/metrics.k8s.io/v1beta1/pods',
    ]) {
      const res = await call(
        `${path}?labelSelector=${encodeURIComponent(
          'backstage.io/kubernetes-id=x',
        )}`,
      );
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.body.items).toEqual([]);
    }
  });

  it('answers 415, 405, 400 and 404 like the API server', async () => {
    await call('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'codes' } }),
    });
    const patch = await call('/api/v1/namespaces/default/configmaps/codes', {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(patch.body).toMatchObject({
      code: 415,
      reason: 'UnsupportedMediaType',
    });
    expect(
      (
        await call('/api/v1/namespaces/default/configmaps/codes', {
          method: 'POST',
          body: '{}',
        })
      ).status,
    ).toBe(405);
    expect(
      (
        await call('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', {
          method: 'POST',
          body: '{}',
        })
      ).status,
    ).toBe(405);
    const bad = await call('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(bad.body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await call('/api/v1/frobs')).status).toBe(404);
    expect((await call('/api/v1/pods/some-pod')).status).toBe(404);
  });

  it('deletes collections by label selector', async () => {
    for (const [name, keep] of [
      ['dc-1', 'no'],
      ['dc-2', 'no'],
      ['dc-3', 'yes'],
    ]) {
      await call('/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          metadata: { name, labels: { group: 'dc', keep } },
        }),
      });
    }
    const res = await call(
      '/api/v1/namespaces/default/configmaps?labelSelector=group%3Ddc,keep%3Dno',
      { method: 'DELETE' },
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.metadata.name)).toEqual([
      'dc-1',
      'dc-2',
    ]);
    const left = await call(
      '/api/v1/namespaces/default/configmaps?labelSelector=group%3Ddc',
    );
    expect(left.body.items.map((i: any) => i.metadata.name)).toEqual(['dc-3']);
  });

  it('does not crash on watch requests and streams events', async () => {
    const controller = new AbortController();
    const res = await fetch(
      `${url}/api/v1/namespaces/default/configmaps?watch=true`,
      {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      },
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(
      JSON.parse(Buffer.from(first.value!).toString().split('\n')[0]),
    ).toMatchObject({ type: 'ADDED' });
    controller.abort();

    // From a resourceVersion there is nothing to replay, but the stream opens at once.
    const later = new AbortController();
    const resumed = await fetch(
      `${url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1`,
      { headers: { authorization: `Bearer ${token}` }, signal: later.signal },
    );
    expect(resumed.status).toBe(200);
    later.abort();
  });

  it('applies faults before handling and logs every request', async () => {
    const mark = sb.log.mark();
    sb.faults.add({
      match: { server: 'kubernetes', path: '^/api/v1/namespaces$' },
      status: 429,
      errorRate: 1,
      retryAfterSeconds: 7,
      times: 1,
    });
    const limited = await call('/api/v1/namespaces');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
    });
    expect((await call('/api/v1/namespaces')).status).toBe(200);
    sb.faults.add({ match: { method: 'GET' }, latencyMs: 50, times: 1 });
    const started = Date.now();
    await call('/api/v1/namespaces');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    // (Watches are logged when they end, so filter on the path.)
    const only = { since: mark, path: /^\/api\/v1\/namespaces$/ };
    expect(sb.log.countsByRoute(only)).toEqual({ 'GET /api/v1/namespaces': 3 });
    expect(sb.log.entries(only).map(e => e.status)).toEqual([429, 200, 200]);
  });

  it('holds requests when told to hang', async () => {
    sb.faults.add({ hang: true, times: 1 });
    const outcome = await Promise.race([
      call('/api/v1/namespaces').then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise(r => setTimeout(() => r('hung'), 150)),
    ]);
    expect(outcome).toBe('hung');
    sb.faults.releaseHanging();
  });
});
