import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  readMlToolsConfig,
  type GatewayCall,
} from '@ml-platform/plugin-ml-tools-node';
import {
  RUNBOOK_DIRECTORY,
  startSandbox,
  startSlapd,
  type Sandbox,
  type Slapd,
} from '@ml-platform/sandbox';
import { createMlToolsActions } from '../actions';
import {
  collectingLogger,
  sandboxMlToolsConfig,
  type CheckpointStore,
  type RunResult,
} from './harness';

/** A master-realm service account with the `admin` role: it may create realms. */
async function masterServiceAccount(sandbox: Sandbox) {
  const kc = sandbox.keycloak!;
  const tokenRes = await fetch(
    `${kc.url}/realms/master/protocol/openid-connect/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: kc.adminUsername,
        password: kc.adminPassword,
      }),
    },
  );
  const token = ((await tokenRes.json()) as { access_token: string })
    .access_token;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${kc.url}/admin/realms/master${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  };
  const clientId = 'platform-realms';
  const clientSecret = 'platform-realms-secret';
  await api('POST', '/clients', {
    clientId,
    secret: clientSecret,
    publicClient: false,
    serviceAccountsEnabled: true,
  });
  const [client] = await api('GET', `/clients?clientId=${clientId}`);
  const user = await api('GET', `/clients/${client.id}/service-account-user`);
  const admin = await api('GET', '/roles/admin');
  await api('POST', `/users/${user.id}/role-mappings/realm`, [admin]);
  return { clientId, clientSecret };
}

/** Options of {@link startFederationHarness}. */
export interface FederationHarnessOptions {
  /** Logs in as a master-realm administrator (may create realms) instead of the realm's service account. */
  masterAdmin?: boolean;
}

/**
 * A sandbox, a real slapd seeded with the runbook's directory, and the actions wired
 * through the real gateways; runs take task secrets.
 */
export async function startFederationHarness(
  options: FederationHarnessOptions = {},
) {
  const sandbox = await startSandbox({});
  let slapd: Slapd;
  try {
    slapd = await startSlapd();
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  const kc = sandbox.keycloak!;
  const master = options.masterAdmin
    ? await masterServiceAccount(sandbox)
    : undefined;
  const config = readMlToolsConfig(
    new ConfigReader({
      mlTools: sandboxMlToolsConfig(sandbox, {
        keycloak: {
          baseUrl: kc.url,
          realm: kc.realm,
          ...(master
            ? { authRealm: 'master', ...master }
            : { clientId: kc.clientId, clientSecret: kc.clientSecret }),
        },
      }),
    }),
  );
  const calls: GatewayCall[] = [];
  const gatewayLogs: string[] = [];
  const logger = collectingLogger(gatewayLogs);
  const hooks = { afterCall: (call: GatewayCall) => void calls.push(call) };
  const retry = { baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 50 };
  const keycloak = new KeycloakAdminGateway({
    config: config.keycloak,
    hooks,
    retry,
    logger,
  });
  const refreshRequests: JsonObject[] = [];
  const actions = new Map(
    createMlToolsActions({
      config,
      kubernetes: new KubernetesClientGateway({
        clusters: config.clusters,
        retry,
        logger,
      }),
      keycloak,
      blueprints: DefaultBlueprintRegistry.create([...builtInBlueprints]),
      requestCatalogRefresh: async event => {
        refreshRequests.push(event as JsonObject);
      },
    }).map(a => [a.id, a]),
  );

  async function run(
    actionId: string,
    input: JsonObject,
    runOptions: {
      dryRun?: boolean;
      checkpoints?: CheckpointStore;
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

  /** The form input that federates the runbook's directory. */
  const runbookInput = (overrides: JsonObject = {}): JsonObject => ({
    owner: 'group:default/platform-admins',
    name: 'corporate-ldap',
    vendor: 'openldap',
    connectionUrl: slapd.url,
    bindDn: RUNBOOK_DIRECTORY.adminDn,
    usersDn: RUNBOOK_DIRECTORY.usersDn,
    groups: { dn: RUNBOOK_DIRECTORY.groupsDn },
    ...overrides,
  });

  return {
    sandbox,
    slapd,
    config,
    keycloak,
    calls,
    gatewayLogs,
    refreshRequests,
    run,
    runbookInput,
    /** The runbook's right bind credential, as the form's secret field sends it. */
    secrets: { bindCredential: RUNBOOK_DIRECTORY.adminPassword },
    /** The Keycloak realms' state, to compare before and after a run. */
    realmsState: () =>
      JSON.stringify((kc.simulator.snapshot() as { realms: unknown }).realms),
    async stop() {
      await slapd.stop();
      await sandbox.stop();
    },
  };
}
