/*
 * Throughput of the Keycloak simulator's admin API with a realistic amount of data.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs test/bench/sandbox-keycloak.bench.ts
 *
 * BENCH_QUICK=1 shrinks it to a few seconds. Prints `keycloak.<metric> <value>` lines.
 */
import { startSandbox } from '@ml-platform/sandbox';

const QUICK = process.env.BENCH_QUICK === '1';
const OBJECTS = QUICK ? 200 : 2000;
const READ_SECONDS = QUICK ? 1 : 5;
const CONCURRENCY = 16;

/** Runs `task(i)` for i in [0, count) with bounded concurrency; returns requests/s. */
async function runCount(
  count: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Runs `task()` for a fixed time with bounded concurrency; returns requests/s. */
async function runFor(
  seconds: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) await task(done++);
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function main() {
  const sandbox = await startSandbox({ keycloak: {} });
  const kc = sandbox.keycloak!;
  const { realm, clientId, clientSecret } = kc;
  const tokenRes = await fetch(
    `${kc.url}/realms/${realm}/protocol/openid-connect/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    },
  );
  const { access_token: token } = (await tokenRes.json()) as {
    access_token: string;
  };
  const base = `${kc.url}/admin/realms/${realm}`;
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  };

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 400)
      throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    return res;
  }

  // Writes: creating clients, then groups (a tenth top-level, the rest their children).
  const clientIds: string[] = [];
  const createClients = await runCount(OBJECTS, async i => {
    const res = await call('POST', '/clients', {
      clientId: `bench-client-${i}`,
      attributes: { 'ml-platform/instance': `instance-${i}` },
    });
    clientIds[i] = res.headers.get('location')!.split('/').pop()!;
  });
  const tops = Math.max(1, Math.floor(OBJECTS / 10));
  const groupIds: string[] = [];
  for (let i = 0; i < tops; i++) {
    const res = await call('POST', '/groups', { name: `bench-group-${i}` });
    groupIds.push(res.headers.get('location')!.split('/').pop()!);
  }
  const createGroups = await runCount(OBJECTS - tops, async i => {
    const parent = groupIds[i % tops];
    const res = await call('POST', `/groups/${parent}/children`, {
      name: `bench-child-${i}`,
    });
    groupIds.push(res.headers.get('location')!.split('/').pop()!);
  });
  const updates = await runCount(OBJECTS, async i => {
    await call('PUT', `/clients/${clientIds[i]}`, {
      description: `updated ${i}`,
    });
  });

  // Reads.
  const pick = (n: number) => Math.floor(Math.random() * n);
  const byClientId = await runFor(READ_SECONDS, async () => {
    await call('GET', `/clients?clientId=bench-client-${pick(OBJECTS)}`);
  });
  const groupById = await runFor(READ_SECONDS, async () => {
    await call('GET', `/groups/${groupIds[pick(groupIds.length)]}`);
  });
  const mixed = await runFor(READ_SECONDS, async i => {
    if (i % 2 === 0)
      await call('GET', `/clients?clientId=bench-client-${pick(OBJECTS)}`);
    else await call('GET', `/groups/${groupIds[pick(groupIds.length)]}`);
  });

  const round = (n: number) => Math.round(n);
  console.log(`keycloak.clients ${OBJECTS}`);
  console.log(`keycloak.groups ${groupIds.length}`);
  console.log(`keycloak.create_client_per_s ${round(createClients)}`);
  console.log(`keycloak.create_group_per_s ${round(createGroups)}`);
  console.log(`keycloak.update_client_per_s ${round(updates)}`);
  console.log(
    `keycloak.write_per_s ${round(
      (createClients + createGroups + updates) / 3,
    )}`,
  );
  console.log(`keycloak.get_client_by_clientid_per_s ${round(byClientId)}`);
  console.log(`keycloak.get_group_by_id_per_s ${round(groupById)}`);
  console.log(`keycloak.get_per_s ${round(mixed)}`);
  await sandbox.stop();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
