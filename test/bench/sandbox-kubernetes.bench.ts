/*
 * Benchmark of the Kubernetes API simulator, server and client in one process (one core):
 * GETs per second and server-side-apply writes per second with 10,000 objects stored,
 * and the latency of a label-selected list across all namespaces.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs test/bench/sandbox-kubernetes.bench.ts
 *
 * BENCH_QUICK=1 shrinks it to a few seconds (the CI smoke run); targets are enforced
 * (exit code 1) only on the full run.
 */
import http from 'node:http';
import { startSandbox } from '@ml-platform/sandbox';

const quick = process.env.BENCH_QUICK === '1';
const OBJECTS = quick ? 2_000 : 10_000;
const NAMESPACES = 20;
const GETS = quick ? 2_000 : 20_000;
const APPLIES = quick ? 500 : 5_000;
const LISTS = quick ? 50 : 300;
const CONCURRENCY = 16;

interface Answer {
  status: number;
  body: string;
}

function requester(base: string, token: string) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return (
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body !== undefined
              ? {
                  'content-type': contentType ?? 'application/json',
                  'content-length': Buffer.byteLength(body),
                }
              : {}),
          },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
}

/** Runs `total` calls with a fixed number in flight; returns calls per second. */
async function throughput(
  total: number,
  call: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) await call(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

function percentile(sorted: number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

const nsName = (i: number) => `bench-${i % NAMESPACES}`;
const objName = (i: number) => `cm-${i}`;
const kubeId = (i: number) => `svc-${i % 50}`;

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    keycloak: false,
    clusters: [{ name: 'bench', token: 'bench' }],
  });
  try {
    const cluster = sandbox.cluster('bench');
    const sim = cluster.simulator;
    const c = sim.cluster;
    const nsType = c.typeOf({ apiVersion: 'v1', kind: 'Namespace' });
    const cmType = c.typeOf({ apiVersion: 'v1', kind: 'ConfigMap' });
    for (let n = 0; n < NAMESPACES; n++) {
      c.create(
        nsType,
        'v1',
        undefined,
        { metadata: { name: nsName(n) } },
        'application/json',
        {},
      );
    }
    sim.settle();
    const loadStart = Date.now();
    for (let i = 0; i < OBJECTS; i++) {
      c.create(
        cmType,
        'v1',
        nsName(i),
        {
          metadata: {
            name: objName(i),
            labels: {
              'backstage.io/kubernetes-id': kubeId(i),
              app: `app-${i % 500}`,
              tier: ['web', 'api', 'db'][i % 3],
            },
          },
          data: { index: String(i), payload: 'x'.repeat(200) },
        },
        'application/json',
        { fieldManager: 'bench-loader' },
      );
    }
    const stored = c.store.count('/configmaps');
    process.stdout.write(
      `loaded ${stored} configmaps in ${Date.now() - loadStart} ms\n`,
    );

    const call = requester(cluster.url, cluster.token);
    const pick = (i: number) => (i * 7919) % OBJECTS;

    // Warm up the JIT and the keep-alive sockets.
    await throughput(Math.min(500, GETS), async i => {
      await call(
        'GET',
        `/api/v1/namespaces/${nsName(pick(i))}/configmaps/${objName(pick(i))}`,
      );
    });

    const getsPerSecond = await throughput(GETS, async i => {
      const k = pick(i);
      const res = await call(
        'GET',
        `/api/v1/namespaces/${nsName(k)}/configmaps/${objName(k)}`,
      );
      if (res.status !== 200) throw new Error(`GET answered ${res.status}`);
    });

    const before = Number(c.store.resourceVersion());
    const appliesPerSecond = await throughput(APPLIES, async i => {
      const k = pick(i);
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: objName(k),
          namespace: nsName(k),
          labels: { 'backstage.io/kubernetes-id': kubeId(k) },
        },
        data: { index: String(k), round: String(i) },
      });
      const res = await call(
        'PATCH',
        `/api/v1/namespaces/${nsName(k)}/configmaps/${objName(
          k,
        )}?fieldManager=bench&force=true`,
        body,
        'application/apply-patch+yaml',
      );
      if (res.status !== 200)
        throw new Error(
          `apply answered ${res.status}: ${res.body.slice(0, 200)}`,
        );
    });
    const writes = Number(c.store.resourceVersion()) - before;

    const selector = encodeURIComponent(
      `backstage.io/kubernetes-id=${kubeId(7)}`,
    );
    const latencies: number[] = [];
    let items = 0;
    for (let i = 0; i < LISTS; i++) {
      const started = process.hrtime.bigint();
      const res = await call(
        'GET',
        `/api/v1/configmaps?labelSelector=${selector}`,
      );
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (res.status !== 200) throw new Error(`list answered ${res.status}`);
      items = JSON.parse(res.body).items.length;
    }
    latencies.sort((a, b) => a - b);

    const figures: [string, number, string, boolean][] = [
      [
        'k8s.get_per_s',
        Math.round(getsPerSecond),
        '>= 2000',
        getsPerSecond >= 2000,
      ],
      [
        'k8s.apply_per_s',
        Math.round(appliesPerSecond),
        '>= 500',
        appliesPerSecond >= 500,
      ],
      [
        'k8s.list_selector_p50_ms',
        Number(percentile(latencies, 50).toFixed(2)),
        '< 50',
        percentile(latencies, 50) < 50,
      ],
      [
        'k8s.list_selector_p99_ms',
        Number(percentile(latencies, 99).toFixed(2)),
        '< 50',
        percentile(latencies, 99) < 50,
      ],
    ];
    process.stdout.write(
      `objects stored: ${stored}; applies that changed the object: ${writes}/${APPLIES}; selected list returned ${items} items\n`,
    );
    for (const [name, value, target] of figures) {
      process.stdout.write(`${name} ${value} (target ${target})\n`);
    }
    if (!quick && figures.some(f => !f[3])) process.exitCode = 1;
  } finally {
    await sandbox.stop();
  }
}

main().catch(e => {
  process.stderr.write(`${String(e?.stack ?? e)}\n`);
  process.exit(1);
});
