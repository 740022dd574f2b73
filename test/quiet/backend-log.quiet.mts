/**
 * A quiet portal's log stays quiet: the backend on the `npm start` defaults (SQLite, the
 * sandbox's Kubernetes and Keycloak simulators) runs for a while with nobody using it, and
 * no warning may repeat. A warning that comes back on every refresh cycle (an entity
 * emitted by two sources, a provider that cannot reach its server...) drowns the one that
 * matters; a single warning at start-up is allowed and listed.
 *
 * QUIET_WINDOW_SECONDS sets how long the backend is left alone once ready (default 180,
 * long enough for three cycles of the Keycloak org provider's one-minute schedule).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  REPO_ROOT,
  freePort,
  startProcess,
  statusOf,
  waitFor,
  type Started,
} from '../support/processes.mts';

const windowSeconds = Number(process.env.QUIET_WINDOW_SECONDS ?? 180);
const results = join(REPO_ROOT, 'test-results', 'quiet');
const work = mkdtempSync(join(tmpdir(), 'ml-platform-quiet-'));
const backendLog = join(results, 'backend.log');
let sandbox: Started;
let backend: Started;

/** One warning of the backend's log: who logged it and what it said. */
export interface LogWarning {
  source: string;
  message: string;
  line: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The warnings of a backend log in Backstage's development format,
 * `<time> <plugin or service> <level> <message> <key=value fields>`, or in its JSON
 * format (one object a line).
 */
export function warningsOf(log: string): LogWarning[] {
  const warnings: LogWarning[] = [];
  for (const raw of log.split('\n')) {
    const line = raw.replace(ANSI, '').trim();
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line);
        if (entry.level === 'warn') {
          warnings.push({
            source: String(entry.plugin ?? entry.service ?? ''),
            message: String(entry.message),
            line,
          });
        }
      } catch {
        // not JSON after all
      }
      continue;
    }
    const match = /^\S+Z (\S+) warn (.*)$/.exec(line);
    if (match) {
      // The fields (` key=value` pairs at the end) carry ids and times that vary.
      const message = match[2].replace(/(\s+[\w.-]+=\S.*)$/, '').trim();
      warnings.push({ source: match[1], message, line });
    }
  }
  return warnings;
}

/**
 * The log of each run of the backend: `backstage-cli package start` restarts it when a
 * source or config file changes (someone editing the checkout), and a fresh start may say
 * again what it said at the previous start. Each start loads its config first.
 */
export function runsOf(log: string): string[] {
  return log.split(
    /^(?:.*Change detected, restarting the development server.*|Loading config from .*)$/m,
  );
}

/**
 * Warnings that occur more than once within one run of the backend, told apart by
 * source and message, numbers aside.
 */
export function repeatedWarnings(log: string): Map<string, LogWarning[]> {
  const repeated = new Map<string, LogWarning[]>();
  for (const run of runsOf(log)) {
    const groups = new Map<string, LogWarning[]>();
    for (const warning of warningsOf(run)) {
      const key = `${warning.source}: ${warning.message.replace(/\d+/g, 'N')}`;
      groups.set(key, [...(groups.get(key) ?? []), warning]);
    }
    for (const [key, list] of groups) {
      if (list.length > 1) repeated.set(key, [...(repeated.get(key) ?? []), ...list]);
    }
  }
  return repeated;
}

describe('a quiet backend', () => {
  before(async () => {
    mkdirSync(results, { recursive: true });
    const [k8sPort, keycloakPort, backendPort] = [await freePort(), await freePort(), await freePort()];
    sandbox = startProcess(
      'node',
      [
        '--require', '@backstage/cli/config/nodeTransform.cjs',
        'packages/sandbox/src/cli.ts',
        '--state-file', join(work, 'sandbox', 'state.json'),
      ],
      {
        cwd: REPO_ROOT,
        logFile: join(results, 'sandbox.log'),
        env: {
          ...process.env,
          ML_PLATFORM_SANDBOX_K8S_PORT: String(k8sPort),
          ML_PLATFORM_SANDBOX_KEYCLOAK_PORT: String(keycloakPort),
        },
      },
    );
    await waitFor('the sandbox', async () => (sandbox.output().includes('sandbox ready') ? true : undefined), {
      timeoutMs: 120_000,
      process: sandbox,
    });

    const baseUrl = `http://127.0.0.1:${backendPort}`;
    const testConfig = join(work, 'app-config.test.yaml');
    writeFileSync(
      testConfig,
      JSON.stringify({ backend: { baseUrl, listen: { port: backendPort } } }),
    );
    backend = startProcess(
      join(REPO_ROOT, 'node_modules/.bin/backstage-cli'),
      ['package', 'start', '--config', '../../app-config.yaml', '--config', testConfig],
      {
        cwd: join(REPO_ROOT, 'packages/backend'),
        logFile: backendLog,
        env: {
          ...process.env,
          ML_PLATFORM_DATA_DIR: work,
          ML_PLATFORM_K8S_URL: `http://127.0.0.1:${k8sPort}`,
          ML_PLATFORM_KEYCLOAK_URL: `http://127.0.0.1:${keycloakPort}`,
        },
      },
    );
    await waitFor(
      'backend readiness',
      async () => ((await statusOf(`${baseUrl}/.backstage/health/v1/readiness`)) === 200 ? true : undefined),
      { timeoutMs: 300_000, process: backend },
    );
  });

  after(async () => {
    await backend?.stop('SIGINT', 60_000).catch(() => undefined);
    await sandbox?.stop('SIGINT').catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it(`logs no warning twice in ${windowSeconds} s with nobody using it`, { timeout: (windowSeconds + 120) * 1000 }, async () => {
    await sleep(windowSeconds * 1000);
    assert.equal(backend.child.exitCode, null, `the backend exited:\n${backend.output()}`);
    // The log file, not the in-memory tail: every line since start-up counts.
    await sleep(500);
    const log = readFileSync(backendLog, 'utf8');
    const warnings = warningsOf(log);
    const runs = runsOf(log).length;
    console.log(`# ${warnings.length} warning(s) in ${runs} run(s) of the backend (${backendLog}):`);
    for (const w of warnings) console.log(`#   ${w.source}: ${w.message}`);
    const repeated = repeatedWarnings(log);
    assert.deepEqual(
      [...repeated].map(([key, list]) => `${list.length}x ${key}`),
      [],
      'warnings that repeat in a quiet run',
    );
  });
});

describe('the warning counter', () => {
  it('reads warnings in the development and JSON formats and groups repeats', () => {
    const log = [
      '\u001b[2m2026-01-01T00:00:00.000Z\u001b[22m \u001b[34mcatalog\u001b[39m \u001b[33mwarn\u001b[39m Detected conflicting entityRef group:default/team \u001b[36mtype\u001b[39m="plugin"',
      '2026-01-01T00:01:00.000Z catalog warn Detected conflicting entityRef group:default/team type="plugin" taskId="42"',
      '2026-01-01T00:01:00.000Z catalog info Task done',
      '2026-01-01T00:01:00.000Z kubernetes warn Took 120 ms',
      '{"level":"warn","message":"Took 95 ms","plugin":"kubernetes"}',
      '{"level":"warn","message":"Once only","plugin":"search"}',
    ].join('\n');
    assert.equal(warningsOf(log).length, 5);
    assert.deepEqual(
      [...repeatedWarnings(log)].map(([key, list]) => [key, list.length]),
      [
        ['catalog: Detected conflicting entityRef group:default/team', 2],
        ['kubernetes: Took N ms', 2],
      ],
    );
  });

  it('lets a restarted backend say once more what it says at start-up', () => {
    const start = '2026-01-01T00:00:00.000Z search warn Postgres search engine is not supported';
    const log = [
      'Loading config from MergedConfigSource{...}',
      start,
      'Change detected, restarting the development server...',
      start,
      'Loading config from MergedConfigSource{...}',
      start,
    ].join('\n');
    assert.equal(runsOf(log).filter(run => run.trim()).length, 3);
    assert.deepEqual([...repeatedWarnings(log)], []);
  });
});
