/**
 * Process helpers for the suites that boot real servers (PostgreSQL, the backend, the whole
 * portal). Each child runs in its own process group so that stopping it stops everything it
 * started, the way Ctrl-C does in a terminal.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

export interface Started {
  child: ChildProcess;
  /** Everything the child printed so far, for failure messages. */
  output(): string;
  /** Sends a signal to the whole group and waits for the leader to exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Starts a command in its own process group, teeing its output to a log file. */
export function startProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { logFile: string },
): Started {
  const { logFile, ...spawnOptions } = options;
  const child = spawn(command, args, {
    ...spawnOptions,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  let buffer = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    buffer = (buffer + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );
  return {
    child,
    output: () => buffer,
    async stop(signal = 'SIGINT', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
      const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
        throw new Error(`${command} did not stop within ${timeoutMs} ms after ${signal}`);
      }
      log.end();
      return code;
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts connections on the port. */
export async function isListening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return cause?.code !== 'ECONNREFUSED';
  }
}

/**
 * Polls until `probe` returns a value (not undefined), or fails with the process output when
 * the process exits or the time runs out.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; process?: Started; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.process && options.process.child.exitCode !== null) {
      throw new Error(
        `process exited (${options.process.child.exitCode}) while waiting for ${what}:\n${options.process.output()}`,
      );
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    await sleep(options.intervalMs ?? 1000);
  }
  throw new Error(
    `timed out after ${options.timeoutMs} ms waiting for ${what} (${String(lastError ?? '')})\n${options.process?.output() ?? ''}`,
  );
}

/** GET returning the status, or undefined when nothing answers yet. */
export async function statusOf(url: string, headers: Record<string, string> = {}) {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}
