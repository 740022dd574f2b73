import { ingressHost, renderChart, WORKLOADS_HINT_ANNOTATION } from './charts';

const base = {
  release: 'tracking',
  chart: 'mlflow',
  version: '1.11.5',
  namespace: 'ml-a',
  values: { fullnameOverride: 'tracking' },
  releaseLabels: {},
  trackingLabels: {},
  trackingAnnotations: {},
  releaseUid: 'uid-1',
};

describe('ingressHost', () => {
  it('reads the host from the usual chart value layouts, else makes one up', () => {
    const host = (ingress: unknown) =>
      ingressHost({ ingress } as never, 'sso', 'ml-a');
    expect(host({ hosts: [{ host: 'a.example.org' }] })).toBe('a.example.org');
    expect(host({ hosts: ['b.example.org'] })).toBe('b.example.org');
    expect(host({ hostname: 'c.example.org' })).toBe('c.example.org');
    expect(host({ host: 'd.example.org' })).toBe('d.example.org');
    expect(
      host({ rules: [{ host: 'e.example.org', paths: [{ path: '/' }] }] }),
    ).toBe('e.example.org');
    expect(host({ enabled: true })).toBe('sso.ml-a.sandbox.local');
  });
});

describe('renderChart', () => {
  it("serves a `rules` layout's host, with its TLS", () => {
    const tls = [{ hosts: ['sso.example.org'], secretName: 'sso-tls' }];
    const ingress = renderChart({
      ...base,
      values: {
        fullnameOverride: 'sso',
        ingress: {
          enabled: true,
          rules: [{ host: 'sso.example.org', paths: [{ path: '/' }] }],
          tls,
        },
      },
    }).find(o => o.kind === 'Ingress');
    expect(ingress?.spec).toMatchObject({
      rules: [{ host: 'sso.example.org' }],
      tls,
    });
  });

  it('renders the stock workload only, without a hint', () => {
    expect(
      renderChart(base)
        .filter(o => o.kind === 'Deployment' || o.kind === 'StatefulSet')
        .map(o => `${o.kind}/${o.metadata.name}`),
    ).toEqual(['Deployment/tracking']);
  });

  it('renders the workloads the release hint names, once each, in its namespace', () => {
    const objects = renderChart({
      ...base,
      releaseAnnotations: {
        [WORKLOADS_HINT_ANNOTATION]: JSON.stringify({
          workloads: [
            { kind: 'Deployment', name: 'tracking' },
            { kind: 'StatefulSet', name: 'tracking-postgresql' },
            { kind: 'Deployment', name: 'tracking-minio' },
            { kind: 'DaemonSet', name: 'ignored' },
            { kind: 'Deployment', name: 'elsewhere', namespace: 'other' },
            { kind: 'Deployment', name: 'tracking-proxy' },
            { kind: 'StatefulSet', name: 'tracking-db' },
          ],
        }),
        // The proxy is a release of its own: it renders its Deployment itself. The
        // database is one too, whose StatefulSet the sandbox renders nowhere else.
        'ml-platform.io/releases': JSON.stringify([
          'tracking-db',
          'tracking',
          'tracking-proxy',
        ]),
      },
    });
    const workloads = objects.filter(
      o => o.kind === 'Deployment' || o.kind === 'StatefulSet',
    );
    expect(workloads.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/tracking',
      'StatefulSet/tracking-postgresql',
      'Deployment/tracking-minio',
      'StatefulSet/tracking-db',
    ]);
    for (const w of workloads) {
      expect(w.metadata.namespace).toBe('ml-a');
      expect(w.metadata.labels?.['app.kubernetes.io/instance']).toBe(
        'tracking',
      );
    }
  });

  it('ignores a hint that is not JSON', () => {
    expect(
      renderChart({
        ...base,
        releaseAnnotations: { [WORKLOADS_HINT_ANNOTATION]: '{nope' },
      }).filter(o => o.kind === 'StatefulSet'),
    ).toEqual([]);
  });
});
