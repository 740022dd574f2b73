/**
 * The production database path: the real backend on a real PostgreSQL, configured by
 * app-config.production.yaml from POSTGRES_* environment variables. Proves that every
 * plugin's migrations run on PostgreSQL and that the catalog serves the repository's own
 * entities from it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  REPO_ROOT,
  freePort,
  startProcess,
  statusOf,
  waitFor,
  type Started,
} from '../support/processes.mts';
import { startTempPostgres, type TempPostgres } from '../support/postgres.mts';

const artifacts = mkdtempSync(join(tmpdir(), 'ml-platform-pg-test-'));
const token = randomBytes(24).toString('hex');
let postgres: TempPostgres;
let backend: Started;
let baseUrl: string;

async function query<T extends pg.QueryResultRow>(database: string, sql: string) {
  const client = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    database,
  });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function getJson(path: string) {
  const res = await fetch(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: res.ok ? await res.json() : await res.text() };
}

describe('backend on PostgreSQL (app-config.production.yaml)', () => {
  before(async () => {
    postgres = await startTempPostgres();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const testConfig = join(artifacts, 'app-config.test.yaml');
    // Only what the test needs on top of the production file: a free port and a static
    // token so it can read the catalog without a browser sign-in.
    writeFileSync(
      testConfig,
      JSON.stringify({
        backend: {
          baseUrl,
          listen: { port },
          auth: {
            externalAccess: [
              { type: 'static', options: { token, subject: 'postgres-test' } },
            ],
          },
        },
      }),
    );
    backend = startProcess(
      join(REPO_ROOT, 'node_modules/.bin/backstage-cli'),
      [
        'package', 'start',
        '--config', '../../app-config.yaml',
        '--config', '../../app-config.production.yaml',
        '--config', testConfig,
      ],
      {
        cwd: join(REPO_ROOT, 'packages/backend'),
        logFile: join(artifacts, 'backend.log'),
        env: {
          ...process.env,
          POSTGRES_HOST: postgres.host,
          POSTGRES_PORT: String(postgres.port),
          POSTGRES_USER: postgres.user,
          POSTGRES_PASSWORD: 'unused-with-trust-auth',
          ML_PLATFORM_DATA_DIR: artifacts,
        },
      },
    );
    await waitFor(
      'backend readiness',
      async () =>
        (await statusOf(`${baseUrl}/.backstage/health/v1/readiness`)) === 200 ? true : undefined,
      { timeoutMs: 240_000, process: backend },
    );
  });

  after(async () => {
    await backend?.stop('SIGINT').catch(() => undefined);
    postgres?.stop();
  });

  it('ran every plugin migration on PostgreSQL', async () => {
    const databases = (await query<{ datname: string }>('postgres', 'SELECT datname FROM pg_database'))
      .map(r => r.datname);
    for (const plugin of ['catalog', 'scaffolder', 'auth', 'search']) {
      assert.ok(databases.includes(`backstage_plugin_${plugin}`), `missing database for ${plugin}: ${databases}`);
    }
    const migrations = await query<{ count: string }>(
      'backstage_plugin_catalog',
      'SELECT count(*)::text AS count FROM knex_migrations',
    );
    assert.ok(Number(migrations[0].count) > 10, `catalog migrations: ${migrations[0].count}`);
    const locked = await query<{ is_locked: number }>(
      'backstage_plugin_catalog',
      'SELECT is_locked FROM knex_migrations_lock',
    );
    assert.deepEqual(locked.map(r => r.is_locked), [0]);
  });

  it("serves the repository's own entities from PostgreSQL", async () => {
    const component = await waitFor(
      'the repository component in the catalog',
      async () => {
        const res = await getJson('/api/catalog/entities/by-name/component/default/ml-platform-backstage');
        return res.status === 200 ? res.body : undefined;
      },
      { timeoutMs: 120_000, process: backend },
    );
    assert.equal(component.spec.system, 'ml-platform');
    const system = await getJson('/api/catalog/entities/by-name/system/default/ml-platform');
    assert.equal(system.status, 200);
    // The rows really are in PostgreSQL, not in some in-memory fallback.
    const rows = await query<{ entity_ref: string }>(
      'backstage_plugin_catalog',
      "SELECT entity_ref FROM final_entities WHERE entity_ref = 'component:default/ml-platform-backstage'",
    );
    assert.equal(rows.length, 1);
  });

  it('refuses catalog reads without credentials', async () => {
    const res = await fetch(`${baseUrl}/api/catalog/entities/by-name/component/default/ml-platform-backstage`);
    assert.equal(res.status, 401);
  });
});
