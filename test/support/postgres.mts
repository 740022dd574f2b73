/**
 * A throwaway PostgreSQL server from the Debian package, in a temporary folder, on a free
 * loopback port. As root, the server runs as the `postgres` user (initdb refuses root).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { freePort } from './processes.mts';

export interface TempPostgres {
  host: string;
  port: number;
  user: string;
  stop(): void;
}

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter(v => existsSync(join(base, v, 'bin', 'initdb')))
    : [];
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return join(base, versions[0], 'bin');
}

/**
 * runuser lives in an sbin folder (util-linux), which a non-login shell's PATH may lack; look
 * in the usual places first, then on PATH, so that `spawnSync runuser ENOENT` cannot happen
 * just because of how the shell was started.
 */
export function runuserPath(): string {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const dirs = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', ...pathDirs];
  for (const dir of dirs) {
    const candidate = join(dir, 'runuser');
    if (isAbsolute(candidate) && existsSync(candidate)) return candidate;
  }
  throw new Error(
    `runuser not found in ${dirs.join(', ')}; it is needed to run PostgreSQL as the postgres user when root (apt-get install util-linux)`,
  );
}

export async function startTempPostgres(): Promise<TempPostgres> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'ml-platform-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const runuser = asRoot ? runuserPath() : '';
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? runuser : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      stdio: 'pipe',
    });
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  run(join(bin, 'pg_ctl'), [
    '-D', dataDir, '-w', '-t', '60', '-l', join(dir, 'server.log'),
    '-o', `-F -p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ]);
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    stop() {
      try {
        run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
