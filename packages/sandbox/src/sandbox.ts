import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { ChartRepositories } from './charts/repository';
import type { UncheckedChart } from './charts/contracts';
import { FaultInjector } from './common/faults';
import { RequestLog } from './common/requestLog';
import { createSelfSignedCertificate } from './common/tls';
import {
  KeycloakSimulator,
  type KeycloakSeed,
  type SeededCredentials,
} from './keycloak';
import { seedKubernetes } from './kubernetes/seed';
import { readContractCrds } from './kubernetes/contractCrds';
import {
  KubernetesSimulator,
  type KubernetesSnapshot,
} from './kubernetes/simulator';
import type { ControllerPace } from './kubernetes/types';

/**
 * One simulated cluster to start.
 *
 * @public
 */
export interface SandboxClusterOptions {
  name: string;
  /** Bearer token the cluster accepts; a random one by default. */
  token?: string;
  /** Port to listen on; overrides `ports.kubernetes` for this cluster. 0 picks a free one. */
  port?: number;
}

/**
 * Options of the Keycloak half of the sandbox.
 *
 * @public
 */
export interface SandboxKeycloakOptions {
  /** Access token lifetime in seconds. */
  tokenLifetimeSeconds?: number;
  /** What to seed on a fresh start (realm, users, groups, the service-account client). */
  seed?: KeycloakSeed;
}

/**
 * Options of {@link startSandbox}.
 *
 * @public
 */
export interface StartSandboxOptions {
  /** Clusters to simulate; one cluster named `sandbox` by default. */
  clusters?: SandboxClusterOptions[];
  /** Whether to start the Keycloak simulator too (default true), and its options. */
  keycloak?: boolean | SandboxKeycloakOptions;
  /** Controller pace: `instant` (default, for tests) or milliseconds per reconcile step. */
  pace?: ControllerPace;
  /** Interface to listen on; `127.0.0.1` by default. */
  host?: string;
  /** Fixed ports (0, the default, picks a free one). `kubernetes` is the first cluster's. */
  ports?: { kubernetes?: number; keycloak?: number };
  /** JSON file to load the state from (when it exists) and to write on {@link Sandbox.save}. */
  stateFile?: string;
  /** Seed a fresh state with the demo namespace, workload and Kubeflow roles (default false). */
  seed?: boolean;
  /** Serve the clusters over HTTPS with a self-signed certificate (its CA in `caData`). */
  https?: boolean;
  /** Share a request log with the caller; a new one by default. */
  log?: RequestLog;
  /** Share a fault injector with the caller; a new one by default. */
  faults?: FaultInjector;
  /**
   * The contracts folder (charts and CRDs of the upstream projects). When set, every
   * cluster serves Helm repositories built from it under `/charts/<repo>`, HelmReleases
   * and Applications pull their chart from their source and fail as Flux and Argo CD
   * would (missing source, chart or version; values the chart's schema refuses).
   */
  contractsDir?: string;
  /**
   * Charts to serve without contract data (with `contractsDir` only): stand-ins with no
   * schema, whose values the sandbox does NOT check. Their Chart.yaml says so.
   */
  uncheckedCharts?: UncheckedChart[];
}

/**
 * A running simulated cluster.
 *
 * @public
 */
export interface SandboxCluster {
  name: string;
  /** Base URL of the API server, e.g. `http://127.0.0.1:6443`. */
  url: string;
  token: string;
  /** Base64 PEM of the CA to trust, when served over HTTPS. */
  caData?: string;
  /** The simulator, for in-process access (state, controllers). */
  simulator: KubernetesSimulator;
  /**
   * TCP connections open to this cluster's API server now, idle keep-alive ones
   * included: tells whether a client closed its sockets after giving up on a request.
   */
  openConnections(): number;
}

/**
 * The running Keycloak simulator and the credentials its seed created.
 *
 * @public
 */
export interface SandboxKeycloak {
  url: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  adminUsername: string;
  adminPassword: string;
  simulator: KeycloakSimulator;
}

/**
 * A kubeconfig in the shape `KubeConfig.loadFromOptions` of `@kubernetes/client-node`
 * accepts.
 *
 * @public
 */
export interface SandboxKubeConfig {
  /** `skipTLSVerify` is true for plain-http clusters: client-node refuses http otherwise. */
  clusters: {
    name: string;
    server: string;
    caData?: string;
    skipTLSVerify: boolean;
  }[];
  users: { name: string; token: string }[];
  contexts: {
    name: string;
    cluster: string;
    user: string;
    namespace?: string;
  }[];
  currentContext: string;
}

/**
 * A running sandbox.
 *
 * @public
 */
export interface Sandbox {
  clusters: SandboxCluster[];
  keycloak?: SandboxKeycloak;
  /** Every request to every simulator. */
  log: RequestLog;
  /** Faults applied to every request before it is handled. */
  faults: FaultInjector;
  /** Base URL of the Helm repositories (`<first cluster>/charts`), with `contractsDir`. */
  chartsUrl?: string;
  /**
   * With `contractsDir`: the contract CRD files that hold no schema, whose kinds stay
   * installed with an open schema (their objects are not validated).
   */
  crdNotes: string[];
  /** One cluster by name; throws when there is no such cluster. */
  cluster(name: string): SandboxCluster;
  /** A kubeconfig for one cluster (`KubeConfig.loadFromOptions`). */
  kubeConfigFor(name: string): SandboxKubeConfig;
  /** The same kubeconfig as YAML (`KubeConfig.loadFromString`, or a file for kubectl). */
  kubeConfigYamlFor(name: string): string;
  /** Writes the state to `stateFile` (no-op without one). */
  save(): Promise<void>;
  /** Stops every server and controller. */
  stop(): Promise<void>;
}

/** What the state file holds. */
interface SandboxState {
  version: 1;
  kubernetes: Record<string, KubernetesSnapshot>;
  keycloak?: { state: unknown; credentials: SeededCredentials };
}

async function readState(
  file: string | undefined,
): Promise<SandboxState | undefined> {
  if (!file) return undefined;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as SandboxState;
  if (parsed?.version !== 1 || typeof parsed.kubernetes !== 'object') {
    throw new Error(
      `Sandbox state file ${file} is not a version 1 sandbox state`,
    );
  }
  return parsed;
}

async function writeState(file: string, state: SandboxState): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true });
  // Write then rename, so a crash mid-write never leaves a truncated state behind.
  const tmp = `${file}.${process.pid}.tmp`;
  // Owner-only: the state holds Secrets and Keycloak client secrets.
  await fs.writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

type Server = http.Server | https.Server;

async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/*
 * Servers keep Node's default keep-alive timeout (5 s): Node clients subtract a one-second
 * margin from the server's hint, so a shorter timeout would defeat connection reuse.
 * `stop` closes idle connections itself.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function urlFor(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts the local Kubernetes API simulators (one server per cluster) and, unless
 * disabled, the Keycloak simulator; in-process, on free loopback ports, in memory unless
 * a state file is given.
 *
 * @public
 */
export async function startSandbox(
  options: StartSandboxOptions = {},
): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? new RequestLog();
  const faults = options.faults ?? new FaultInjector();
  const pace = options.pace ?? 'instant';
  const state = await readState(options.stateFile);
  const charts = options.contractsDir
    ? new ChartRepositories(options.contractsDir, options.uncheckedCharts)
    : undefined;
  // The upstream CRDs replace the open schemas the sandbox installs by default, so that
  // custom resources are validated and pruned as a real API server does.
  const contractCrds = options.contractsDir
    ? readContractCrds(options.contractsDir)
    : { crds: [], notes: [] };
  const clusterOptions = options.clusters?.length
    ? options.clusters
    : [{ name: 'sandbox' }];
  const names = new Set<string>();
  for (const c of clusterOptions) {
    if (names.has(c.name))
      throw new Error(`Duplicate sandbox cluster name: ${c.name}`);
    names.add(c.name);
  }
  const servers: Server[] = [];
  const clusters: SandboxCluster[] = [];
  const tls = options.https
    ? createSelfSignedCertificate({
        hosts: [...new Set([host, '127.0.0.1', 'localhost'])],
      })
    : undefined;

  try {
    for (const [i, c] of clusterOptions.entries()) {
      const snapshot = state?.kubernetes[c.name];
      const simulator = new KubernetesSimulator({
        name: c.name,
        token: c.token ?? randomBytes(24).toString('hex'),
        log,
        faults,
        pace,
        state: snapshot,
        charts,
        validateValues: Boolean(charts),
      });
      if (!snapshot) {
        for (const crd of contractCrds.crds) {
          simulator.cluster.ensure(crd, 'sandbox-installer');
        }
      }
      if (!snapshot && options.seed) seedKubernetes(simulator);
      const handler = (req: http.IncomingMessage, res: http.ServerResponse) =>
        simulator.handle(req, res);
      const server: Server = tls
        ? https.createServer({ key: tls.key, cert: tls.cert }, handler)
        : http.createServer(handler);
      servers.push(server);
      const connections = new Set<Socket>();
      server.on('connection', (socket: Socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
      });
      const port = await listen(
        server,
        c.port ?? (i === 0 ? options.ports?.kubernetes ?? 0 : 0),
        host,
      );
      const url = urlFor(tls ? 'https' : 'http', host, port);
      simulator.setBaseUrl(url);
      charts?.addOrigin(url);
      clusters.push({
        name: c.name,
        url,
        token: simulator.token,
        ...(tls ? { caData: Buffer.from(tls.cert).toString('base64') } : {}),
        simulator,
        openConnections: () => connections.size,
      });
    }

    let keycloak: SandboxKeycloak | undefined;
    if (options.keycloak !== false) {
      const kcOptions =
        typeof options.keycloak === 'object' ? options.keycloak : {};
      const simulator = new KeycloakSimulator({
        log,
        faults,
        tokenLifetimeSeconds: kcOptions.tokenLifetimeSeconds,
        state: state?.keycloak?.state,
      });
      const credentials =
        state?.keycloak?.credentials ?? simulator.seed(kcOptions.seed);
      const server = http.createServer((req, res) =>
        simulator.handle(req, res),
      );
      servers.push(server);
      const port = await listen(server, options.ports?.keycloak ?? 0, host);
      const url = urlFor('http', host, port);
      simulator.setBaseUrl(url);
      keycloak = { url, ...credentials, simulator };
    }

    const cluster = (name: string) => {
      const found = clusters.find(c => c.name === name);
      if (!found) throw new Error(`No sandbox cluster named ${name}`);
      return found;
    };
    const kubeConfigFor = (name: string): SandboxKubeConfig => {
      const c = cluster(name);
      return {
        // client-node refuses plain http unless TLS verification is marked as skipped.
        clusters: [
          {
            name: c.name,
            server: c.url,
            ...(c.caData ? { caData: c.caData } : {}),
            skipTLSVerify: !c.caData,
          },
        ],
        users: [{ name: `${c.name}-user`, token: c.token }],
        contexts: [
          {
            name: c.name,
            cluster: c.name,
            user: `${c.name}-user`,
            namespace: 'default',
          },
        ],
        currentContext: c.name,
      };
    };
    const kubeConfigYamlFor = (name: string): string => {
      const c = cluster(name);
      return toYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: c.name,
            cluster: {
              server: c.url,
              ...(c.caData
                ? { 'certificate-authority-data': c.caData }
                : { 'insecure-skip-tls-verify': true }),
            },
          },
        ],
        users: [{ name: `${c.name}-user`, user: { token: c.token } }],
        contexts: [
          {
            name: c.name,
            context: {
              cluster: c.name,
              user: `${c.name}-user`,
              namespace: 'default',
            },
          },
        ],
        'current-context': c.name,
      });
    };
    const save = async () => {
      if (!options.stateFile) return;
      const kubernetes: Record<string, KubernetesSnapshot> = {
        ...(state?.kubernetes ?? {}),
      };
      for (const c of clusters) kubernetes[c.name] = c.simulator.snapshot();
      // Keep a previous Keycloak state when this run did not start Keycloak.
      const keycloakState = keycloak
        ? {
            state: keycloak.simulator.snapshot(),
            credentials: {
              realm: keycloak.realm,
              clientId: keycloak.clientId,
              clientSecret: keycloak.clientSecret,
              adminUsername: keycloak.adminUsername,
              adminPassword: keycloak.adminPassword,
            },
          }
        : state?.keycloak;
      await writeState(options.stateFile, {
        version: 1,
        kubernetes,
        ...(keycloakState ? { keycloak: keycloakState } : {}),
      });
    };
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      for (const c of clusters) c.simulator.stop();
      faults.releaseHanging();
      await Promise.all(servers.map(closeServer));
    };
    return {
      clusters,
      keycloak,
      log,
      faults,
      ...(charts ? { chartsUrl: `${clusters[0].url}/charts` } : {}),
      crdNotes: contractCrds.notes,
      cluster,
      kubeConfigFor,
      kubeConfigYamlFor,
      save,
      stop,
    };
  } catch (e) {
    for (const c of clusters) c.simulator.stop();
    await Promise.all(servers.filter(s => s.listening).map(closeServer));
    throw e;
  }
}
