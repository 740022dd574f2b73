/*
 * Where the Keycloak contract suites run: the sandbox's simulator by default, a real
 * Keycloak when KEYCLOAK_URL is set (see keycloak.contract.test.ts for the variables),
 * plus the helpers both suites share.
 */
import KcAdminClient, { NetworkError } from '@keycloak/keycloak-admin-client';
import {
  startSandbox,
  type FaultInjector,
  type KeycloakSimulator,
  type RequestLog,
} from '@ml-platform/sandbox';

/** What a Keycloak contract suite runs against. */
export interface Target {
  url: string;
  realm: string;
  /** Logs an admin client in the way the product's gateway does. */
  login(client: KcAdminClient): Promise<void>;
  /** Only set when the target is the sandbox. */
  sandbox?: {
    simulator: KeycloakSimulator;
    faults: FaultInjector;
    log: RequestLog;
    stop(): Promise<void>;
  };
  master?: { username: string; password: string };
}

/** Set when the suites target a real Keycloak. */
export const REAL_URL = process.env.KEYCLOAK_URL;
/** `describe` for cases only the sandbox can stage. */
export const describeSandbox = REAL_URL ? describe.skip : describe;
/** A prefix unique to this run, for object names. */
export const unique = `ct${Date.now().toString(36)}${Math.random()
  .toString(36)
  .slice(2, 6)}`;
/** A name unique to this run. */
export const name = (what: string) => `${unique}-${what}`;

/** Starts the sandbox, or describes the real server KEYCLOAK_URL names. */
export async function startTarget(): Promise<Target> {
  if (REAL_URL) {
    const realm = process.env.KEYCLOAK_REALM ?? 'master';
    const clientId = process.env.KEYCLOAK_CLIENT_ID;
    const clientSecret = process.env.KEYCLOAK_CLIENT_SECRET;
    const username = process.env.KEYCLOAK_ADMIN_USER;
    const password = process.env.KEYCLOAK_ADMIN_PASSWORD;
    const master = username && password ? { username, password } : undefined;
    return {
      url: REAL_URL.replace(/\/+$/, ''),
      realm,
      master,
      async login(client) {
        if (clientId && clientSecret) {
          client.setConfig({ realmName: realm });
          await client.auth({
            grantType: 'client_credentials',
            clientId,
            clientSecret,
          });
        } else if (master) {
          client.setConfig({ realmName: 'master' });
          await client.auth({
            grantType: 'password',
            clientId: 'admin-cli',
            ...master,
          });
          client.setConfig({ realmName: realm });
        } else {
          throw new Error(
            'Set KEYCLOAK_CLIENT_ID/SECRET or KEYCLOAK_ADMIN_USER/PASSWORD',
          );
        }
      },
    };
  }
  const sandbox = await startSandbox({ keycloak: {} });
  const creds = sandbox.keycloak!;
  return {
    url: creds.url,
    realm: creds.realm,
    sandbox: {
      simulator: creds.simulator,
      faults: sandbox.faults,
      log: sandbox.log,
      stop: () => sandbox.stop(),
    },
    master: { username: creds.adminUsername, password: creds.adminPassword },
    async login(client) {
      client.setConfig({ realmName: creds.realm });
      await client.auth({
        grantType: 'client_credentials',
        clientId: creds.clientId,
        clientSecret: creds.clientSecret,
      });
    },
  };
}

/** HTTP status of a failed admin-client call. */
export async function statusOf(
  call: Promise<unknown>,
): Promise<{ status: number; data: any; headers: Headers }> {
  try {
    await call;
  } catch (e) {
    if (e instanceof NetworkError) {
      return {
        status: e.response.status,
        data: e.responseData,
        headers: e.response.headers,
      };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}
