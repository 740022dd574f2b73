import { ConfigReader } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import {
  builtInBlueprints,
  chartsCheckedElsewhere,
  DefaultBlueprintRegistry,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  mlflowBlueprint,
  readMlToolsConfig,
  type AnyToolBlueprint,
  type GatewayCall,
  type MlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsCatalogRefreshEvent } from '@ml-platform/plugin-ml-tools-common';
import { resolve } from 'node:path';
import {
  defaultContractsDir,
  startSandbox,
  type Sandbox,
  type StartSandboxOptions,
} from '@ml-platform/sandbox';
import { createMlToolsActions } from '../actions';

/**
 * Starts a sandbox that serves the upstream charts from the contracts folder (when the
 * checkout has one): HelmReleases then pull their chart and fail, as Flux would, on
 * values the chart's schema refuses, and the chart preflight fetches from the sandbox
 * instead of the internet.
 */
export function startContractSandbox(
  options: StartSandboxOptions = {},
): Promise<Sandbox> {
  return startSandbox({
    contractsDir: defaultContractsDir(resolve(__dirname, '../../../..')),
    uncheckedCharts: chartsCheckedElsewhere(builtInBlueprints),
    ...options,
  });
}

/**
 * The upstream Helm repositories of the built-in blueprints, of the auth proxy and of
 * the test blueprints (./blueprints.ts).
 */
const UPSTREAM_CHART_REPOSITORIES: Record<string, string> = {
  'community-charts': 'https://community-charts.github.io/helm-charts',
  'oauth2-proxy': 'https://oauth2-proxy.github.io/manifests',
  jupyterhub: 'https://hub.jupyter.org/helm-chart/',
  bitnami: 'oci://registry-1.docker.io/bitnamicharts',
  codecentric: 'https://codecentric.github.io/helm-charts',
  'apache-airflow': 'https://airflow.apache.org',
  minio: 'https://charts.min.io/',
  gogatekeeper: 'https://gogatekeeper.github.io/helm-gogatekeeper',
  'bjw-s': 'https://bjw-s-labs.github.io/helm-charts',
};

/**
 * The `mlTools` app-config block that points the plugins at a sandbox, before parsing:
 * its first cluster and its Keycloak, the chart repositories of the blueprints the tests
 * deploy (the sandbox's own Helm repositories when it serves the contracts,
 * else the upstream URLs), and fast polling. `deploy` overrides merge into the default deploy block; any other
 * key replaces the default.
 */
export function sandboxMlToolsConfig(
  sandbox: Sandbox,
  overrides: { deploy?: JsonObject } & JsonObject = {},
): JsonObject {
  const cluster = sandbox.clusters[0];
  const kc = sandbox.keycloak!;
  const { deploy, ...rest } = overrides;
  return {
    clusters: [
      {
        name: cluster.name,
        url: cluster.url,
        authProvider: 'serviceAccount',
        serviceAccountToken: cluster.token,
      },
    ],
    keycloak: {
      baseUrl: kc.url,
      realm: kc.realm,
      clientId: kc.clientId,
      clientSecret: kc.clientSecret,
    },
    deploy: {
      driver: 'flux',
      chartRepositories: Object.entries(UPSTREAM_CHART_REPOSITORIES).map(
        ([name, url]) => ({
          name,
          url: sandbox.chartsUrl ? `${sandbox.chartsUrl}/${name}` : url,
        }),
      ),
      pollIntervalMs: 10,
      ...deploy,
    },
    namespaces: { allowed: ['ml-*', 'team-*'] },
    baseDomain: 'sandbox.local',
    // The examples deploy under a second domain the platform allows.
    allowedDomains: ['sandbox.local', 'ml.example.com'],
    ...rest,
  };
}

/** Checkpoints as the scaffolder persists them with a task. */
export type CheckpointStore = Map<
  string,
  { status: 'success'; value: JsonValue } | { status: 'failed'; reason: string }
>;

/** What one action run left behind. */
export interface RunResult {
  outputs: Record<string, JsonValue>;
  logs: string[];
  checkpoints: CheckpointStore;
  error?: Error;
}

/** A logger that keeps every line, with its metadata, as text. */
export function collectingLogger(lines: string[]): LoggerService {
  const write =
    (level: string) => (message: string, meta?: Error | JsonObject) => {
      lines.push(
        `${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`,
      );
    };
  const logger: LoggerService = {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    child: () => logger,
  };
  return logger;
}

/** Thrown by the harness to stop a run as a crash would. */
export class SimulatedCrash extends Error {
  name = 'SimulatedCrash';
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  driver?: 'flux' | 'argocd';
  pullSecret?: boolean;
  tokenLifetimeSeconds?: number;
  blueprints?: AnyToolBlueprint[];
}

/**
 * A sandbox plus the actions wired to it through the real gateways, with hooks to
 * count upstream calls and to stop a run after any of them.
 */
export async function startHarness(options: HarnessOptions = {}) {
  const sandbox: Sandbox = await startContractSandbox({
    keycloak: { tokenLifetimeSeconds: options.tokenLifetimeSeconds },
  });
  const cluster = sandbox.clusters[0];
  const kc = sandbox.keycloak!;
  if (options.pullSecret) {
    cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'registry' },
    });
    cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'registry' },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from(
          JSON.stringify({
            auths: { 'registry.example.com': { auth: 'cHVsbDpwdWxs' } },
          }),
        ).toString('base64'),
      },
    });
  }
  const config: MlToolsConfig = readMlToolsConfig(
    new ConfigReader({
      mlTools: sandboxMlToolsConfig(sandbox, {
        deploy: { driver: options.driver ?? 'flux', readyTimeoutSeconds: 20 },
        ...(options.pullSecret
          ? { pullSecret: { namespace: 'registry', name: 'regcred' } }
          : {}),
      }),
    }),
  );
  const calls: GatewayCall[] = [];
  let crashAfter: number | undefined;
  const hooks = {
    afterCall: (call: GatewayCall) => {
      calls.push(call);
      if (crashAfter !== undefined && calls.length >= crashAfter) {
        crashAfter = undefined;
        throw new SimulatedCrash(
          `crash after call ${calls.length}: ${call.operation} ${call.subject}`,
        );
      }
    },
  };
  const retry = { baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 50 };
  const gatewayLogs: string[] = [];
  const logger = collectingLogger(gatewayLogs);
  const kubernetes = new KubernetesClientGateway({
    clusters: config.clusters,
    hooks,
    retry,
    logger,
  });
  const keycloak = new KeycloakAdminGateway({
    config: config.keycloak,
    hooks,
    retry,
    logger,
  });
  const blueprints = DefaultBlueprintRegistry.create([
    ...builtInBlueprints,
    ...(options.blueprints ?? []),
  ]);
  /** Every catalog refresh the actions asked for; `refreshFailure` makes them fail. */
  const refreshRequests: MlToolsCatalogRefreshEvent[] = [];
  const refresh: { failure?: Error } = {};
  const actions = new Map(
    createMlToolsActions({
      config,
      kubernetes,
      keycloak,
      blueprints,
      requestCatalogRefresh: async event => {
        refreshRequests.push(event);
        if (refresh.failure) throw refresh.failure;
      },
    }).map(a => [a.id, a]),
  );

  async function run(
    actionId: string,
    input: JsonObject,
    runOptions: {
      dryRun?: boolean;
      checkpoints?: CheckpointStore;
      /** The task's secrets (typed in `ui:field: Secret` fields of a form). */
      secrets?: Record<string, string>;
    } = {},
  ): Promise<RunResult> {
    const action = actions.get(actionId);
    if (!action) throw new Error(`no action ${actionId}`);
    const logs: string[] = [];
    const outputs: Record<string, JsonValue> = {};
    const checkpoints: CheckpointStore = runOptions.checkpoints ?? new Map();
    const ctx = {
      ...createMockActionContext({
        input,
        logger: collectingLogger(logs),
        secrets: runOptions.secrets,
      }),
      isDryRun: runOptions.dryRun,
      output: (name: string, value: JsonValue) => {
        outputs[name] = value;
      },
      checkpoint: async ({
        key,
        fn,
      }: {
        key: string;
        fn: () => Promise<JsonValue | void> | JsonValue | void;
      }) => {
        const prev = checkpoints.get(key);
        if (prev?.status === 'success') return prev.value;
        try {
          const value = await fn();
          checkpoints.set(key, {
            status: 'success',
            value: (value ?? {}) as JsonValue,
          });
          return value;
        } catch (e) {
          checkpoints.set(key, { status: 'failed', reason: String(e) });
          throw e;
        }
      },
    };
    try {
      await action.handler(ctx as any);
      return { outputs, logs, checkpoints };
    } catch (error) {
      return { outputs, logs, checkpoints, error: error as Error };
    }
  }

  return {
    sandbox,
    config,
    cluster,
    keycloakInfo: kc,
    kubernetes,
    keycloak,
    calls,
    refreshRequests,
    refresh,
    /** What the gateways logged (retries), as the backend's own log would show it. */
    gatewayLogs,
    run,
    /** The next run stops (throws) right after its n-th upstream call from now. */
    crashAfterCalls(n: number) {
      crashAfter = calls.length + n;
    },
    stop: () => sandbox.stop(),
  };
}

/** Upstream writes since a log mark, without the token endpoint (logins). */
export function writesSince(
  sandbox: Sandbox,
  server: 'kubernetes' | 'keycloak',
  since: number,
) {
  return sandbox.log
    .entries({ server, kind: 'write', since })
    .filter(e => !e.path.endsWith('/protocol/openid-connect/token'));
}

/**
 * The standard MLflow deploy input of the tests. Its groups cover each way a picked
 * group is found: a Group entity with no Keycloak group yet (`vision-leads`, `ml-ops`:
 * created top-level), one that is a seeded subgroup (`vision`: `/data-scientists/vision`),
 * a seeded top-level group (`data-scientists`) and an explicit path under a parent that
 * does not exist yet (`/analysts/vision-review`).
 */
export function mlflowInput(overrides: JsonObject = {}): JsonObject {
  return {
    blueprint: mlflowBlueprint.id,
    namespace: 'ml-vision',
    name: 'mlflow-vision',
    owner: 'group:default/vision',
    title: 'MLflow of the vision team',
    roleMappings: {
      admin: ['group:default/vision-leads'],
      user: [
        'group:default/ml-ops',
        'group:default/vision',
        '/analysts/vision-review',
        'group:default/data-scientists',
      ],
    },
    parameters: { databaseSize: '10Gi', artifactStorageSize: '50Gi' },
    ...overrides,
  };
}

/** The inputs of every step of a set of action examples. */
export function exampleSteps(
  examples: Array<{ description: string; example: string }>,
): Array<{ description: string; action: string; input: JsonObject }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('yaml') as typeof import('yaml');
  return examples.flatMap(e =>
    (
      yaml.parse(e.example).steps as Array<{
        action: string;
        input: JsonObject;
      }>
    ).map(step => ({
      description: e.description,
      action: step.action,
      input: step.input,
    })),
  );
}

/** Creates namespaces directly in the sandbox, for examples that expect them. */
export function givenNamespaces(
  h: { cluster: { simulator: { apply(o: object): unknown } } },
  ...names: string[]
) {
  for (const name of names) {
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
}
