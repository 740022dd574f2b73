/*
 * `ml-platform-sandbox`: the local Kubernetes API and Keycloak simulators on fixed ports,
 * with state persisted to a file, for the portal's `start` command and for manual use.
 *
 * Run with: node --require @backstage/cli/config/nodeTransform.cjs packages/sandbox/src/cli.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultContractsDir } from './charts/contracts';
import { startSandbox, type SandboxClusterOptions } from './sandbox';
import { DEFAULT_CLIENT_SECRET } from './keycloak';
import type { ControllerPace } from './kubernetes/types';

/** The fixed local token: not a secret, only valid against this machine's sandbox. */
const DEFAULT_TOKEN = 'sandbox-token';

const HELP = `Usage: ml-platform-sandbox [options]

Starts the local Kubernetes API simulator (one server per cluster) and the Keycloak
simulator, seeded on first start, with state kept in a JSON file.

Options (environment variable in brackets):
  --host <addr>              interface to listen on [ML_PLATFORM_SANDBOX_HOST] (127.0.0.1)
  --k8s-port <port>          port of the "sandbox" cluster [ML_PLATFORM_SANDBOX_K8S_PORT] (6443)
  --k8s-token <token>        bearer token of the "sandbox" cluster [ML_PLATFORM_K8S_TOKEN] (${DEFAULT_TOKEN})
  --cluster <name:port[:token]>  an extra cluster; repeatable (token defaults to <name>-token)
  --keycloak-port <port>     Keycloak port [ML_PLATFORM_SANDBOX_KEYCLOAK_PORT] (8180)
  --keycloak-client-secret <s>  secret of the seeded "backstage" client
                             [ML_PLATFORM_KEYCLOAK_CLIENT_SECRET] (${DEFAULT_CLIENT_SECRET})
  --no-keycloak              do not start Keycloak
  --state-file <path>        state file [ML_PLATFORM_SANDBOX_STATE] (<repo>/data/sandbox/state.json)
  --no-state                 keep everything in memory
  --save-interval <seconds>  how often to save the state (30)
  --pace <ms|instant>        controller pace [ML_PLATFORM_SANDBOX_PACE] (1500)
  --no-seed                  start empty instead of seeding on first start
  --contracts-dir <path>     upstream charts and CRDs: serve Helm repositories under /charts
                             and check releases against them [ML_PLATFORM_CONTRACTS_DIR]
                             (<repo>/../shared/contracts when it exists)
  --unchecked-chart <repo>/<chart>@<version>  (repeatable) also serve a chart that has no
                             contract data, as a stand-in whose values are NOT schema-checked
  --no-contracts             neither serve charts nor check releases
  --https                    serve the clusters over HTTPS (self-signed; CA printed)
  --kubeconfig <path>        write a kubeconfig for the "sandbox" cluster there (for kubectl,
                             which needs --https to send its token)
  -h, --help                 this help
`;

/** The nearest directory up from `start` whose package.json declares workspaces. */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.workspaces) return dir;
    } catch {
      // no package.json here; keep walking up
    }
    if (dirname(dir) === dir) return start;
  }
}

function port(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${what} must be a port number, got "${value}"`);
  return n;
}

function pace(value: string): ControllerPace {
  if (value === 'instant') return 'instant';
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--pace must be "instant" or milliseconds, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      'k8s-port': { type: 'string' },
      'k8s-token': { type: 'string' },
      cluster: { type: 'string', multiple: true },
      'keycloak-port': { type: 'string' },
      'keycloak-client-secret': { type: 'string' },
      'no-keycloak': { type: 'boolean' },
      'state-file': { type: 'string' },
      'no-state': { type: 'boolean' },
      'save-interval': { type: 'string' },
      pace: { type: 'string' },
      'no-seed': { type: 'boolean' },
      'contracts-dir': { type: 'string' },
      'no-contracts': { type: 'boolean' },
      'unchecked-chart': { type: 'string', multiple: true },
      https: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const repoRoot = env.REPO_ROOT ?? findRepoRoot(process.cwd());
  const stateFile = values['no-state']
    ? undefined
    : resolve(
        values['state-file'] ??
          env.ML_PLATFORM_SANDBOX_STATE ??
          resolve(repoRoot, 'data/sandbox/state.json'),
      );
  let contractsDir: string | undefined;
  if (!values['no-contracts']) {
    contractsDir = values['contracts-dir']
      ? resolve(values['contracts-dir'])
      : defaultContractsDir(repoRoot);
  }
  const clusters: SandboxClusterOptions[] = [
    {
      name: 'sandbox',
      port: port(
        values['k8s-port'] ?? env.ML_PLATFORM_SANDBOX_K8S_PORT ?? '6443',
        '--k8s-port',
      ),
      token: values['k8s-token'] ?? env.ML_PLATFORM_K8S_TOKEN ?? DEFAULT_TOKEN,
    },
  ];
  for (const spec of values.cluster ?? []) {
    const [name, p, token] = spec.split(':');
    if (!name || p === undefined)
      throw new Error(`--cluster must be name:port[:token], got "${spec}"`);
    clusters.push({
      name,
      port: port(p, `--cluster ${name}`),
      token: token || `${name}-token`,
    });
  }
  const sandbox = await startSandbox({
    clusters,
    host: values.host ?? env.ML_PLATFORM_SANDBOX_HOST ?? '127.0.0.1',
    pace: pace(values.pace ?? env.ML_PLATFORM_SANDBOX_PACE ?? '1500'),
    https: values.https ?? false,
    stateFile,
    contractsDir,
    uncheckedCharts: (values['unchecked-chart'] ?? []).map(spec => {
      const m = /^([a-z0-9-]+)\/([a-z0-9-]+)@([0-9][^\s]*)$/.exec(spec);
      if (!m)
        throw new Error(
          `--unchecked-chart must be <repository>/<chart>@<version>, got "${spec}"`,
        );
      return { repository: m[1], name: m[2], version: m[3] };
    }),
    seed: !values['no-seed'],
    keycloak: values['no-keycloak']
      ? false
      : {
          seed: {
            clientSecret:
              values['keycloak-client-secret'] ??
              env.ML_PLATFORM_KEYCLOAK_CLIENT_SECRET ??
              DEFAULT_CLIENT_SECRET,
          },
        },
    ports: {
      keycloak: port(
        values['keycloak-port'] ??
          env.ML_PLATFORM_SANDBOX_KEYCLOAK_PORT ??
          '8180',
        '--keycloak-port',
      ),
    },
  });

  // These are fixed local-development defaults, printed so a developer can use them.
  for (const c of sandbox.clusters) {
    process.stdout.write(
      `[sandbox] kubernetes cluster "${c.name}": ${c.url} (bearer token: ${c.token})\n`,
    );
    if (c.caData)
      process.stdout.write(
        `[sandbox]   certificate-authority-data: ${c.caData}\n`,
      );
  }
  if (sandbox.keycloak) {
    const k = sandbox.keycloak;
    process.stdout.write(
      `[sandbox] keycloak: ${k.url} realm ${k.realm}, client ${k.clientId} / ${k.clientSecret}, admin ${k.adminUsername} / ${k.adminPassword}\n`,
    );
  }
  process.stdout.write(`[sandbox] state: ${stateFile ?? 'in memory only'}\n`);
  process.stdout.write(
    sandbox.chartsUrl
      ? `[sandbox] helm repositories: ${sandbox.chartsUrl}/<repo> from ${contractsDir}\n`
      : '[sandbox] helm repositories: off (no contracts folder)\n',
  );
  for (const note of sandbox.crdNotes) {
    process.stdout.write(`[sandbox] CRD gap: ${note}\n`);
  }
  if (values.kubeconfig) {
    const file = resolve(values.kubeconfig);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, sandbox.kubeConfigYamlFor('sandbox'), { mode: 0o600 });
    process.stdout.write(`[sandbox] kubeconfig: ${file}\n`);
  }

  const saveEvery = Number(values['save-interval'] ?? 30) * 1000;
  const timer = stateFile
    ? setInterval(() => {
        sandbox
          .save()
          .catch(e =>
            process.stderr.write(
              `[sandbox] could not save state: ${String(e)}\n`,
            ),
          );
      }, saveEvery)
    : undefined;
  timer?.unref();
  if (stateFile) await sandbox.save();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    try {
      await sandbox.save();
      await sandbox.stop();
      process.stdout.write(
        `[sandbox] stopped (${signal})${stateFile ? ', state saved' : ''}\n`,
      );
      process.exit(0);
    } catch (e) {
      process.stderr.write(`[sandbox] error while stopping: ${String(e)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.stdout.write('sandbox ready\n');
}

main().catch(e => {
  const err = e as NodeJS.ErrnoException;
  const hint =
    err.code === 'EADDRINUSE'
      ? ' (is another sandbox already running? use --k8s-port / --keycloak-port)'
      : '';
  process.stderr.write(`[sandbox] failed to start: ${err.message}${hint}\n`);
  process.exit(1);
});
