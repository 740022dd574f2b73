/*
 * Read-only Keycloak calls of the catalog provider and the ml-tools backend that the
 * write gateway (KeycloakAdminGateway) does not offer yet: a paged client list by
 * attribute and the realm's OIDC discovery document. Kept in its own file, added by the
 * catalog/backend side; candidates to move into KeycloakGateway.
 */
import KcAdminClient from '@keycloak/keycloak-admin-client';
import Resource from '@keycloak/keycloak-admin-client/lib/resources/resource.js';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { MlToolsKeycloakConfig } from '../config/readMlToolsConfig';
import type { GatewayHooks } from '../kubernetes/types';
import { UpstreamError } from '../lib/errors';
import { parseRetryAfter, withRetries, type RetryOptions } from '../lib/retry';
import { jwtExpiry, TokenManager } from './TokenManager';
import type { KcClient } from './types';

/** The realm's public discovery document, read through the admin client's agent. */
class OidcDiscovery extends Resource<{ realm?: string }> {
  get = this.makeRequest<{}, { issuer?: string }>({
    method: 'GET',
    path: '/.well-known/openid-configuration',
  });

  constructor(client: KcAdminClient) {
    super(client, {
      path: '/realms/{realm}',
      getUrlParams: () => ({ realm: client.realmName }),
      getBaseUrl: () => client.baseUrl,
    });
  }
}

function statusOf(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } })?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

function retryAfterOf(error: unknown): string | null | undefined {
  const response = (error as { response?: { headers?: Headers } })?.response;
  return response?.headers?.get?.('retry-after');
}

function isNetwork(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return (
    error.name === 'TimeoutError' ||
    error.name === 'AbortError' ||
    error.message === 'fetch failed' ||
    Boolean(code && /^(ECONN|UND_ERR|ETIMEDOUT)/.test(code))
  );
}

/**
 * Options of {@link KeycloakReads}.
 *
 * @public
 */
export interface KeycloakReadsOptions {
  config: MlToolsKeycloakConfig;
  logger?: LoggerService;
  hooks?: GatewayHooks;
  retry?: Partial<Omit<RetryOptions, 'classify'>>;
}

/**
 * Read-only Keycloak calls in the configured realm, on `@keycloak/keycloak-admin-client`,
 * with the same login, retry and error translation rules as the write gateway.
 *
 * @public
 */
export class KeycloakReads {
  readonly realm: string;
  private readonly client: KcAdminClient;
  private readonly tokens: TokenManager;
  private readonly discovery: OidcDiscovery;

  constructor(private readonly options: KeycloakReadsOptions) {
    const config = options.config;
    this.realm = config.realm;
    this.client = new KcAdminClient({
      baseUrl: config.baseUrl,
      realmName: config.realm,
      timeout: config.requestTimeoutMs,
    });
    this.tokens = new TokenManager(async () => {
      const login = new KcAdminClient({
        baseUrl: config.baseUrl,
        realmName: config.authRealm,
        timeout: config.requestTimeoutMs,
      });
      await this.retried('login', () =>
        login.auth({
          grantType: 'client_credentials',
          clientId: config.clientId,
          clientSecret: config.clientSecret,
        }),
      );
      const value = login.accessToken;
      if (!value) {
        throw new UpstreamError('Keycloak login returned no access token');
      }
      return { value, expiresAt: jwtExpiry(value) };
    });
    this.client.registerTokenProvider({
      getAccessToken: () => this.tokens.get(),
    });
    this.discovery = new OidcDiscovery(this.client);
  }

  /** Builds the reads from the parsed `mlTools` config. */
  static fromConfig(
    config: { keycloak: MlToolsKeycloakConfig },
    deps: { logger?: LoggerService; hooks?: GatewayHooks } = {},
  ): KeycloakReads {
    return new KeycloakReads({ config: config.keycloak, ...deps });
  }

  /**
   * Every client whose attribute has the value, `pageSize` per call (500 by default).
   * By default the realm's clients are paged through and filtered here: Keycloak's `q`
   * attribute search is ignored by some versions (all clients come back) and answers
   * nothing in others unless the attribute is made searchable
   * (`spi-client-jpa-searchable-attributes`), which would read as "no clients". With
   * `attributeSearch: true` the query is narrowed on the server; the attribute is
   * checked here either way.
   */
  async listClientsByAttribute(
    key: string,
    value: string,
    options: { pageSize?: number; attributeSearch?: boolean } = {},
  ): Promise<KcClient[]> {
    const max = options.pageSize ?? 500;
    const q = options.attributeSearch ? `${key}:${value}` : undefined;
    const result: KcClient[] = [];
    for (let first = 0; ; first += max) {
      const page = (await this.call('list-clients', `${key}=${value}`, () =>
        this.client.clients.find(
          q ? { q, search: true, first, max } : { first, max },
        ),
      )) as KcClient[];
      for (const client of page) {
        const attr = client.attributes?.[key] as unknown;
        const actual = Array.isArray(attr) ? attr[0] : attr;
        if (actual === value) result.push(client);
      }
      if (page.length < max) return result;
    }
  }

  /** The realm's OIDC discovery document; fails when it does not answer. */
  async fetchOidcDiscovery(): Promise<{ issuer: string }> {
    const doc = await this.call('oidc-discovery', this.realm, () =>
      this.discovery.get(),
    );
    if (!doc?.issuer) {
      throw new UpstreamError(
        `OIDC discovery of realm "${this.realm}" has no issuer`,
      );
    }
    return { issuer: doc.issuer };
  }

  private retried<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, {
      attempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 3000,
      ...this.options.retry,
      classify: error => {
        const status = statusOf(error);
        const retry =
          status === undefined
            ? isNetwork(error)
            : status === 429 || status >= 500;
        return { retry, retryAfterMs: parseRetryAfter(retryAfterOf(error)) };
      },
      onRetry: ({ attempt, delayMs, error }) =>
        this.options.logger?.debug(
          `Keycloak ${what} failed (${
            statusOf(error) ?? 'network'
          }), retry ${attempt} in ${delayMs} ms`,
        ),
    }).catch(error => {
      throw this.translate(error, what);
    });
  }

  private async call<T>(
    operation: string,
    subject: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const result = await this.retried(`${operation} ${subject}`, async () => {
      const token = await this.tokens.get();
      try {
        return await fn();
      } catch (error) {
        if (statusOf(error) !== 401) throw error;
        this.tokens.invalidate(token);
        return await fn();
      }
    });
    await this.options.hooks?.afterCall?.({
      server: 'keycloak',
      target: this.realm,
      operation,
      write: false,
      subject,
    });
    return result;
  }

  private translate(error: unknown, what: string): Error {
    const status = statusOf(error);
    if (status === undefined && !isNetwork(error)) return error as Error;
    const message = `Keycloak ${what} in realm "${this.realm}" failed: ${
      status ? `HTTP ${status} ` : ''
    }${(error as Error).message}`;
    if (status === 401 || status === 403) return new NotAllowedError(message);
    if (status === 404) return new NotFoundError(message);
    if (status === undefined || status === 429 || status >= 500) {
      return new ServiceUnavailableError(message);
    }
    return new UpstreamError(message, undefined, status);
  }
}
