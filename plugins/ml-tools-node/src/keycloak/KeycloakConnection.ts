import KcAdminClient from '@keycloak/keycloak-admin-client';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { MlToolsKeycloakConfig } from '../config/readMlToolsConfig';
import type { GatewayHooks } from '../kubernetes/types';
import { abortable } from '../lib/abort';
import { UpstreamError } from '../lib/errors';
import { parseRetryAfter, withRetries, type RetryOptions } from '../lib/retry';
import { failureOf, isRetryable, translateKeycloakError } from './errors';
import { jwtExpiry, TokenManager } from './TokenManager';

/**
 * How a call may be repeated: reads and idempotent writes are retried on 5xx; creates
 * only after `recover` proved the object absent.
 *
 * @internal
 */
export type CallKind = 'read' | 'idempotent' | 'create';

/**
 * Options of {@link KeycloakConnection.call}.
 *
 * @internal
 */
export interface CallOptions<T> {
  /** For creates: looks for what a failed attempt may have created anyway. */
  recover?: () => Promise<T | undefined>;
  /** The caller's cancellation: no retry once aborted, and the request is closed. */
  signal?: AbortSignal;
  /**
   * The caller's longest wait per request, when shorter than the configured request
   * timeout; a request past it is closed and not retried.
   */
  timeoutMs?: number;
}

/**
 * Options of {@link KeycloakConnection}.
 *
 * @internal
 */
export interface KeycloakConnectionOptions {
  config: MlToolsKeycloakConfig;
  logger?: LoggerService;
  hooks?: GatewayHooks;
  retry?: Partial<Omit<RetryOptions, 'classify'>>;
}

/**
 * The one connection of the Keycloak gateway to the realm: the admin client, its
 * service-account login shared by every caller, the retry policy, cancellation, the
 * hooks, and the translation of failures into Backstage errors.
 *
 * @internal
 */
export class KeycloakConnection {
  readonly realm: string;
  readonly config: MlToolsKeycloakConfig;
  private readonly client: KcAdminClient;
  private readonly tokens: TokenManager;

  constructor(private readonly options: KeycloakConnectionOptions) {
    this.config = options.config;
    this.realm = options.config.realm;
    this.client = new KcAdminClient({
      baseUrl: this.config.baseUrl,
      realmName: this.config.realm,
      timeout: this.config.requestTimeoutMs,
    });
    this.tokens = new TokenManager(() => this.login());
    this.client.registerTokenProvider({
      getAccessToken: () => this.tokens.get(),
    });
  }

  /** Logins made so far; concurrent callers share one. */
  get loginCount(): number {
    return this.tokens.loginCount;
  }

  /**
   * One logical call: re-login once on 401, retry per {@link CallKind}, report the call
   * to the hooks, translate failures into Backstage errors. A caller that aborts gets
   * the signal's reason back at once, and the request in flight is closed.
   */
  async call<T>(
    operation: string,
    subject: string,
    kind: CallKind,
    fn: (client: KcAdminClient) => Promise<T>,
    options: CallOptions<T> = {},
  ): Promise<T> {
    const { recover, signal, timeoutMs } = options;
    signal?.throwIfAborted();
    const what = `${operation} ${subject}`;
    /** Set when a request ran past the caller's own `timeoutMs`: not retried. */
    let pastCallersTimeout = false;
    const send = async () => {
      if (!signal && timeoutMs === undefined) return fn(this.client);
      const timeout = AbortSignal.timeout(
        Math.min(this.config.requestTimeoutMs, timeoutMs ?? Infinity),
      );
      try {
        return await fn(
          this.boundClient(
            signal ? AbortSignal.any([signal, timeout]) : timeout,
          ),
        );
      } catch (error) {
        if (timeoutMs !== undefined && timeout.aborted)
          pastCallersTimeout = true;
        throw error;
      }
    };
    const attemptOnce = async (): Promise<T> => {
      // The login is shared with other callers, so it is waited for, never aborted.
      const token = await abortable(this.tokens.get(), signal);
      try {
        return await send();
      } catch (error) {
        if (failureOf(error)?.status !== 401) throw error;
        this.tokens.invalidate(token);
        await abortable(this.tokens.get(), signal);
        return await send();
      }
    };
    const retried = withRetries(
      async attempt => {
        if (kind === 'create' && attempt > 1 && recover) {
          // The previous attempt may have landed before failing: look before retrying.
          const found = await recover();
          if (found !== undefined) return found;
        }
        return attemptOnce();
      },
      {
        ...this.retryOptions(what),
        classify: error => {
          if (signal?.aborted || pastCallersTimeout) return { retry: false };
          const f = failureOf(error);
          if (!f) return { retry: false };
          const retryAfterMs = parseRetryAfter(f.retryAfter);
          if (f.status === 429) return { retry: true, retryAfterMs };
          if (!isRetryable(f)) return { retry: false };
          if (kind === 'create' && !recover) return { retry: false };
          return { retry: true, retryAfterMs };
        },
      },
    );
    let result: T;
    try {
      // Racing the whole loop also ends a backoff sleep at once when the caller aborts.
      result = await abortable(retried, signal);
    } catch (error) {
      // The caller's own reason, untranslated: the caller gave up, Keycloak did not fail.
      if (signal?.aborted) throw signal.reason;
      throw translateKeycloakError(error, what, this.realm);
    }
    await this.options.hooks?.afterCall?.({
      server: 'keycloak',
      target: this.realm,
      operation,
      write: kind !== 'read',
      subject,
    });
    return result;
  }

  /**
   * An admin client whose requests end when `signal` aborts (`call` folds the request
   * timeout into it). The admin client takes no signal per call: it spreads its
   * constructor's request options into every `fetch`, then sets its own timeout signal
   * over them when it has a `timeout`. So the timeout is folded into the signal, the client gets
   * no `timeout`, and one is made per request (it holds no connection; the token stays
   * with the shared token manager). Its `RequestOptions` type leaves `signal` out, hence
   * the wider `RequestInit`; the cancellation tests fail if a new version stops passing
   * it on.
   */
  private boundClient(signal: AbortSignal): KcAdminClient {
    const requestOptions: RequestInit = { signal };
    const client = new KcAdminClient({
      baseUrl: this.config.baseUrl,
      realmName: this.config.realm,
      requestOptions,
    });
    client.registerTokenProvider({ getAccessToken: () => this.tokens.get() });
    return client;
  }

  private retryOptions(what: string) {
    return {
      attempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 3000,
      ...this.options.retry,
      onRetry: ({
        attempt,
        delayMs,
        error,
      }: {
        attempt: number;
        delayMs: number;
        error: unknown;
      }) =>
        this.options.logger?.debug(
          `Keycloak ${what} failed (${
            failureOf(error)?.status ?? 'network'
          }), retry ${attempt} in ${delayMs} ms`,
        ),
    };
  }

  private async login() {
    const loginClient = new KcAdminClient({
      baseUrl: this.config.baseUrl,
      realmName: this.config.authRealm,
      timeout: this.config.requestTimeoutMs,
    });
    await withRetries(
      () =>
        loginClient.auth({
          grantType: 'client_credentials',
          clientId: this.config.clientId,
          clientSecret: this.config.clientSecret,
        }),
      {
        ...this.retryOptions('login'),
        classify: error => {
          const f = failureOf(error);
          return {
            retry: isRetryable(f),
            retryAfterMs: parseRetryAfter(f?.retryAfter),
          };
        },
      },
    ).catch(error => {
      throw translateKeycloakError(error, 'login', this.realm);
    });
    const value = loginClient.accessToken;
    if (!value)
      throw new UpstreamError('Keycloak login returned no access token');
    return { value, expiresAt: jwtExpiry(value) };
  }
}

/**
 * Reads that answer 404 for a missing object return undefined.
 *
 * @internal
 */
export async function orUndefined<T>(
  promise: Promise<T>,
): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Deletes that answer 404 were already done.
 *
 * @internal
 */
export async function deleted(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
