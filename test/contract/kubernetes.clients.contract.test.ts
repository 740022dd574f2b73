/*
 * What real clients (kubectl, Helm, client-go) need from the API server beyond CRUD:
 * OpenAPI v2/v3 documents with group-version-kind extensions and the fieldValidation
 * parameter, strict field validation, protobuf request bodies, server-side Tables, the
 * defaults the server sets, apply patches sent as YAML and the bookmark that ends a
 * watch list. Runs against the sandbox, or the cluster KUBECONFIG names.
 */
import http from 'node:http';
import https from 'node:https';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  V1Deployment,
} from '@kubernetes/client-node';
import {
  KubeTarget,
  realCluster,
  sandboxOnly,
  startKubeTarget,
  waitFor,
} from './helpers';

jest.setTimeout(realCluster ? 180_000 : 30_000);

let t: KubeTarget;
let core: CoreV1Api;
let apps: AppsV1Api;
let ns: string;

beforeAll(async () => {
  t = await startKubeTarget();
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  ns = t.namespace;
});

afterAll(async () => {
  await t?.cleanup();
});

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): any;
}

/** One request with the target's credentials, for what the typed clients do not expose. */
async function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const server = new URL(t.kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = {
    method,
    hostname: server.hostname,
    port: server.port,
    path,
    headers: { ...options.headers },
  };
  await t.kc.applyToHTTPSOptions(opts);
  const lib = server.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(opts, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body.toString('utf8')),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function deployment(name: string, image = 'nginx:1.27'): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
  };
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

describe('OpenAPI documents', () => {
  it('indexes v3 documents per group version; apps/v1 names its kinds and takes fieldValidation on PATCH', async () => {
    const index = await raw('GET', '/openapi/v3');
    expect(index.status).toBe(200);
    const paths = index.json().paths;
    expect(paths['api/v1'].serverRelativeURL).toMatch(
      /^\/openapi\/v3\/api\/v1\?hash=/,
    );
    const url = paths['apis/apps/v1'].serverRelativeURL;
    const doc = (await raw('GET', url)).json();
    const schemas = doc.components.schemas;
    const name = Object.keys(schemas).find(k =>
      (schemas[k]['x-kubernetes-group-version-kind'] ?? []).some(
        (g: any) =>
          g.group === 'apps' && g.version === 'v1' && g.kind === 'Deployment',
      ),
    );
    expect(name).toBe('io.k8s.api.apps.v1.Deployment');
    const item =
      doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    const resolve = (p: any) =>
      p.$ref ? doc.components.parameters[p.$ref.split('/').pop()] : p;
    const params = [
      ...(item.parameters ?? []),
      ...(item.patch.parameters ?? []),
    ].map(resolve);
    expect(params).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'fieldValidation', in: 'query' }),
      ]),
    );
    expect(Object.keys(item.patch.requestBody.content)).toEqual(
      expect.arrayContaining([
        'application/apply-patch+yaml',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
      ]),
    );
  });

  it('serves the v2 document as JSON with group-version-kind extensions on definitions', async () => {
    const res = await raw('GET', '/openapi/v2', {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    const doc = res.json();
    expect(doc.swagger).toBe('2.0');
    expect(
      doc.definitions['io.k8s.api.core.v1.ConfigMap'][
        'x-kubernetes-group-version-kind'
      ],
    ).toEqual([{ group: '', version: 'v1', kind: 'ConfigMap' }]);
  });

  it("publishes a CRD's schema and prints its additionalPrinterColumns", async () => {
    const ext = t.kc.makeApiClient(ApiextensionsV1Api);
    const group = `${t.prefix}.clients.example.com`;
    const crdName = `gadgets.${group}`;
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: {
            plural: 'gadgets',
            singular: 'gadget',
            kind: 'Gadget',
            listKind: 'GadgetList',
          },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              additionalPrinterColumns: [
                { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
                {
                  name: 'Ready',
                  type: 'string',
                  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
                },
              ],
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { size: { type: 'integer' } },
                    },
                    status: {
                      type: 'object',
                      properties: {
                        conditions: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              type: { type: 'string' },
                              status: { type: 'string' },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      const doc = await waitFor(
        async () => {
          const index = (await raw('GET', '/openapi/v3')).json();
          const entry = index.paths[`apis/${group}/v1`];
          return entry && (await raw('GET', entry.serverRelativeURL)).json();
        },
        { what: 'the CRD in the OpenAPI v3 index' },
      );
      const schema = Object.values<any>(doc.components.schemas).find(s =>
        (s['x-kubernetes-group-version-kind'] ?? []).some(
          (g: any) => g.kind === 'Gadget',
        ),
      );
      expect(schema.properties.spec.properties.size.type).toBe('integer');

      const gadgets = `/apis/${group}/v1/namespaces/${ns}/gadgets`;
      const created = await waitFor(async () => {
        const r = await raw('POST', gadgets, {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            apiVersion: `${group}/v1`,
            kind: 'Gadget',
            metadata: { name: 'g1' },
            spec: { size: 3 },
          }),
        });
        return r.status === 201 && r;
      });
      expect(created.status).toBe(201);
      const table = (
        await raw('GET', gadgets, { headers: { accept: TABLE } })
      ).json();
      expect(table.kind).toBe('Table');
      expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
        'Name',
        'Size',
        'Ready',
      ]);
      expect(table.rows[0].cells).toEqual(['g1', 3, null]);
    } finally {
      await ext.deleteCustomResourceDefinition({ name: crdName });
    }
  });
});

describe('strict field validation', () => {
  it('refuses an unknown field with 400 naming it when fieldValidation=Strict', async () => {
    const d = deployment('strict') as any;
    d.spec.template.spec.containers[0].bogus = true;
    // Raw, because the typed clients drop fields their models do not have.
    const res = await raw(
      'POST',
      `/apis/apps/v1/namespaces/${ns}/deployments?fieldValidation=Strict`,
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(d),
      },
    );
    expect(res.status).toBe(400);
    expect(res.json().message).toContain(
      'unknown field "spec.template.spec.containers[0].bogus"',
    );
    const lax = await raw(
      'POST',
      `/apis/apps/v1/namespaces/${ns}/deployments?fieldValidation=Ignore`,
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(d),
      },
    );
    expect(lax.status).toBe(201);
  });
});

/** A ConfigMap in Kubernetes protobuf: the `k8s\0` envelope around its message. */
function protobufConfigMap(name: string, data: Record<string, string>): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    let v = n;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return Buffer.from(out);
  };
  const field = (num: number, value: Buffer) =>
    Buffer.concat([varint((num << 3) | 2), varint(value.length), value]);
  const str = (num: number, s: string) => field(num, Buffer.from(s, 'utf8'));
  const meta = Buffer.concat([str(1, name), str(3, ns)]);
  const entries = Object.entries(data).map(([k, v]) =>
    field(2, Buffer.concat([str(1, k), str(2, v)])),
  );
  const message = Buffer.concat([field(1, meta), ...entries]);
  const typeMeta = Buffer.concat([str(1, 'v1'), str(2, 'ConfigMap')]);
  return Buffer.concat([
    Buffer.from([0x6b, 0x38, 0x73, 0x00]),
    field(1, typeMeta),
    field(2, message),
  ]);
}

describe('request encodings', () => {
  it('accepts a built-in kind in protobuf, as client-go sends it', async () => {
    const res = await raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      headers: {
        'content-type': 'application/vnd.kubernetes.protobuf',
        accept: 'application/json',
      },
      body: protobufConfigMap('from-protobuf', { greeting: 'hello' }),
    });
    expect(res.status).toBe(201);
    const cm = await core.readNamespacedConfigMap({
      name: 'from-protobuf',
      namespace: ns,
    });
    expect(cm.data).toEqual({ greeting: 'hello' });
  });

  sandboxOnly(
    'refuses protobuf of a kind it cannot decode with 415 naming the accepted types',
    async () => {
      const body = protobufConfigMap('x', {});
      // The same envelope, claiming a kind the sandbox has no protobuf table for.
      const res = await raw('POST', `/api/v1/namespaces/${ns}/pods`, {
        headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
        body: Buffer.from(
          body
            .toString('latin1')
            .replace('ConfigMap', 'Pod\u0000\u0000\u0000\u0000\u0000\u0000'),
          'latin1',
        ),
      });
      expect(res.status).toBe(415);
      expect(res.json().message).toContain('application/json');
    },
  );

  it('takes an apply patch written in YAML', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: yaml-applied',
      `  namespace: ${ns}`,
      'data:',
      '  mode: "fast"',
      '',
    ].join('\n');
    const path = `/api/v1/namespaces/${ns}/configmaps/yaml-applied?fieldManager=yaml-test`;
    const res = await raw('PATCH', path, {
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: yaml,
    });
    expect(res.status).toBe(201);
    const again = await raw('PATCH', path, {
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: yaml,
    });
    expect(again.status).toBe(200);
    expect(again.json().metadata.resourceVersion).toBe(
      res.json().metadata.resourceVersion,
    );
    expect(again.json().data).toEqual({ mode: 'fast' });
  });
});

describe('server-side tables', () => {
  it('prints deployments and pods with the columns kubectl shows, objects as includeObject asks', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('tabled'),
    });
    const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
    const table = (
      await raw('GET', base, { headers: { accept: TABLE } })
    ).json();
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(
      table.columnDefinitions.map((c: any) => [c.name, c.priority]),
    ).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Up-to-date', 0],
      ['Available', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ]);
    const row = table.rows.find((r: any) => r.cells[0] === 'tabled');
    expect(row.cells.slice(5)).toEqual(['main', 'nginx:1.27', 'app=tabled']);
    expect(row.object.kind).toBe('PartialObjectMetadata');
    expect(row.object.metadata.name).toBe('tabled');

    const full = (
      await raw('GET', `${base}/tabled?includeObject=Object`, {
        headers: {
          accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
        },
      })
    ).json();
    expect(full.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(full.rows).toHaveLength(1);
    expect(full.rows[0].object.kind).toBe('Deployment');
    expect(full.rows[0].object.spec.template.spec.containers[0].image).toBe(
      'nginx:1.27',
    );

    const pods = (
      await raw('GET', `/api/v1/namespaces/${ns}/pods?includeObject=None`, {
        headers: { accept: TABLE },
      })
    ).json();
    expect(pods.columnDefinitions.map((c: any) => c.name).slice(0, 7)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
    ]);
    for (const r of pods.rows) expect(r.object).toBeUndefined();
  });
});

describe('defaults', () => {
  it('fills the defaults of a Deployment and its pod template', async () => {
    const d = deployment('defaults', 'busybox:latest');
    const created = await apps.createNamespacedDeployment({
      namespace: ns,
      body: d,
    });
    const spec = created.spec!;
    expect(spec.replicas).toBe(1);
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.progressDeadlineSeconds).toBe(600);
    expect(spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    const pod = spec.template.spec!;
    expect(pod).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
    });
    expect(pod.containers[0]).toMatchObject({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
    });
  });

  it('fills the defaults of a Service', async () => {
    const svc = await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'defaults' },
        spec: { selector: { app: 'x' }, ports: [{ port: 8080 }] },
      },
    });
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }],
    });
    expect(svc.spec!.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});

describe('watch lists', () => {
  it('ends the initial events with a bookmark when asked to', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'watched' }, data: { a: 'b' } },
    });
    const server = new URL(t.kc.getCurrentCluster()!.server);
    const opts: https.RequestOptions = {
      method: 'GET',
      hostname: server.hostname,
      port: server.port,
      path: `/api/v1/namespaces/${ns}/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=5`,
    };
    await t.kc.applyToHTTPSOptions(opts);
    const lib = server.protocol === 'https:' ? https : http;
    const events = await new Promise<any[]>((resolve, reject) => {
      const seen: any[] = [];
      let buffer = '';
      const req = lib.request(opts, res => {
        res.on('data', chunk => {
          buffer += chunk.toString('utf8');
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const text of lines) {
            const line = text.trim();
            if (!line) continue;
            const e = JSON.parse(line);
            seen.push(e);
            if (e.type === 'BOOKMARK') {
              req.destroy();
              resolve(seen);
            }
          }
        });
        res.on('end', () => resolve(seen));
      });
      req.on('error', e => (seen.length ? resolve(seen) : reject(e)));
      req.end();
    });
    const names = events
      .filter(e => e.type === 'ADDED')
      .map(e => e.object.metadata.name);
    expect(names).toContain('watched');
    const last = events[events.length - 1];
    expect(last.type).toBe('BOOKMARK');
    expect(last.object.metadata.annotations['k8s.io/initial-events-end']).toBe(
      'true',
    );
  });
});
