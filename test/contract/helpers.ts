/*
 * Shared plumbing of the Kubernetes contract suite: where the suite runs (the sandbox by
 * default, a real cluster when KUBECONFIG is set), unique names, polling, and reading
 * the `Status` out of @kubernetes/client-node errors.
 */
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { resolve } from 'node:path';
import {
  defaultContractsDir,
  startSandbox,
  type Sandbox,
} from '@ml-platform/sandbox';

/**
 * The upstream contracts (`<repo>/../shared/contracts`, or ML_PLATFORM_CONTRACTS_DIR),
 * read in place; undefined when this checkout has none.
 */
export const contractsDir = defaultContractsDir(resolve(__dirname, '../..'));

/** What the suite runs against. */
export interface KubeTarget {
  kc: KubeConfig;
  /** Set only when the target is the sandbox. */
  sandbox?: Sandbox;
  /** A namespace created for this run (deleted by `cleanup`). */
  namespace: string;
  /** Unique prefix for cluster-scoped names of this run. */
  prefix: string;
  cleanup(): Promise<void>;
}

/** True when the suite targets a real cluster. */
export const realCluster = Boolean(process.env.KUBECONFIG);

/** `it` for cases only the sandbox can stage (faults, simulated controllers, extra clusters). */
export const sandboxOnly: jest.It = realCluster ? it.skip : it;

/** A lowercase prefix unique to this run, valid in DNS-1123 labels. */
export function uniquePrefix(): string {
  return `ct-${Date.now().toString(36)}${Math.random()
    .toString(36)
    .slice(2, 6)}`;
}

/** Starts the target: the sandbox (instant controllers), or the cluster KUBECONFIG names. */
export async function startKubeTarget(): Promise<KubeTarget> {
  const prefix = uniquePrefix();
  const kc = new KubeConfig();
  let sandbox: Sandbox | undefined;
  if (realCluster) {
    kc.loadFromDefault();
  } else {
    sandbox = await startSandbox({
      keycloak: false,
      clusters: [{ name: 'sandbox' }, { name: 'other' }],
      contractsDir,
    });
    kc.loadFromOptions(sandbox.kubeConfigFor('sandbox'));
  }
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `${prefix}-ns`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return {
    kc,
    sandbox,
    namespace,
    prefix,
    async cleanup() {
      try {
        await core.deleteNamespace({ name: namespace });
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
      }
      await sandbox?.stop();
    },
  };
}

/** The HTTP status of a client-node error (undefined for other errors). */
export function statusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** The `Status` body of a client-node error. */
export function statusBody(err: unknown): Record<string, any> {
  if (!(err instanceof ApiException)) throw err;
  const body = err.body as unknown;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as Record<string, any>;
}

/** Runs a call that must fail and returns its error. */
export async function failure(
  call: () => Promise<unknown>,
): Promise<ApiException<unknown>> {
  try {
    await call();
  } catch (e) {
    if (e instanceof ApiException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** Polls until `check` returns a truthy value (real clusters converge in seconds). */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline =
    Date.now() + (options.timeoutMs ?? (realCluster ? 90_000 : 5_000));
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'condition'}${
          lastError ? `: ${String(lastError)}` : ''
        }`,
      );
    }
    await new Promise(r =>
      setTimeout(r, options.intervalMs ?? (realCluster ? 1000 : 20)),
    );
  }
}
