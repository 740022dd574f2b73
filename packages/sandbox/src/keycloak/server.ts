import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from '../common/faults';
import { RequestLog } from '../common/requestLog';
import type { KeycloakSeed, SeededCredentials } from './seed';
import { KeycloakSimulator, type KeycloakSimulatorOptions } from './simulator';

/**
 * Options of {@link startKeycloakSimulator}: the simulator's own (log and faults become
 * optional) plus where to listen and what to seed.
 *
 * @public
 */
export interface StartKeycloakSimulatorOptions
  extends Partial<Pick<KeycloakSimulatorOptions, 'log' | 'faults'>>,
    Omit<KeycloakSimulatorOptions, 'log' | 'faults'> {
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  host?: string;
  /**
   * Seed applied when no `state` is given: the default seed unless a custom one is passed,
   * or nothing with `false`.
   */
  seed?: KeycloakSeed | false;
}

/**
 * A running simulator.
 *
 * @public
 */
export interface RunningKeycloakSimulator {
  /** Base URL, for example `http://127.0.0.1:40123`. */
  url: string;
  simulator: KeycloakSimulator;
  log: RequestLog;
  faults: FaultInjector;
  /** What the seed created (undefined when nothing was seeded). */
  credentials?: SeededCredentials;
  /** Closes the server, dropping open connections and held requests. */
  stop(): Promise<void>;
}

/**
 * Starts a {@link KeycloakSimulator} on its own HTTP server.
 *
 * @public
 */
export async function startKeycloakSimulator(
  options: StartKeycloakSimulatorOptions = {},
): Promise<RunningKeycloakSimulator> {
  const log = options.log ?? new RequestLog();
  const faults = options.faults ?? new FaultInjector();
  const simulator = new KeycloakSimulator({ ...options, log, faults });
  const credentials =
    options.state === undefined && options.seed !== false
      ? simulator.seed(options.seed || undefined)
      : undefined;
  const server = createServer((req, res) => simulator.handle(req, res));
  // Keep-alive sockets must not hold the process (or `stop`) open.
  server.keepAliveTimeout = 1000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  simulator.setBaseUrl(url);
  return {
    url,
    simulator,
    log,
    faults,
    credentials,
    stop: () =>
      new Promise<void>(resolve => {
        faults.releaseHanging();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
