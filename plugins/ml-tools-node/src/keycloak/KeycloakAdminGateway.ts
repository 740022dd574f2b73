import KcAdminClient from '@keycloak/keycloak-admin-client';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { MlToolsKeycloakConfig } from '../config/readMlToolsConfig';
import type { GatewayHooks } from '../kubernetes/types';
import { UpstreamError } from '../lib/errors';
import { parseRetryAfter, withRetries, type RetryOptions } from '../lib/retry';
import { jwtExpiry, TokenManager } from './TokenManager';
import type {
  KcClient,
  KcClientScope,
  KcGroup,
  KcProtocolMapper,
  KcRole,
  KcUser,
  KeycloakGateway,
} from './types';

/**
 * How a call may be repeated: reads and idempotent writes are retried on 5xx; creates
 * only after `recover` proved the object absent.
 */
type CallKind = 'read' | 'idempotent' | 'create';

interface HttpFailure {
  status?: number;
  retryAfter?: string | null;
  message: string;
}

function failureOf(error: unknown): HttpFailure | undefined {
  if (error && typeof error === 'object' && 'response' in error) {
    const response = (error as { response?: Response }).response;
    if (response && typeof response.status === 'number') {
      return {
        status: response.status,
        retryAfter: response.headers?.get?.('retry-after'),
        message: (error as unknown as Error).message,
      };
    }
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (
      error.name === 'TimeoutError' ||
      error.name === 'AbortError' ||
      error.message === 'fetch failed' ||
      (cause?.code && /^(ECONN|UND_ERR|ETIMEDOUT)/.test(cause.code))
    ) {
      return { message: error.message };
    }
  }
  return undefined;
}

/**
 * Client representations carry the client secret for admins; it is dropped here so that
 * no reader can leak it by accident (`getClientSecret` is the one way to read it).
 */
function withoutCredentials(
  client: KcClient | undefined,
): KcClient | undefined {
  if (!client) return undefined;
  const { secret: _secret, registrationAccessToken: _token, ...rest } = client;
  return rest;
}

function isRetryable(f: HttpFailure | undefined): boolean {
  return !!f && (f.status === undefined || f.status === 429 || f.status >= 500);
}

/**
 * Options of {@link KeycloakAdminGateway}.
 *
 * @public
 */
export interface KeycloakAdminGatewayOptions {
  config: MlToolsKeycloakConfig;
  logger?: LoggerService;
  hooks?: GatewayHooks;
  /** Overrides of the retry policy (attempts, delays), mostly for tests. */
  retry?: Partial<Omit<RetryOptions, 'classify'>>;
}

/**
 * {@link KeycloakGateway} on `@keycloak/keycloak-admin-client`, logged in with the
 * client-credentials grant of the configured service-account client.
 *
 * @public
 */
export class KeycloakAdminGateway implements KeycloakGateway {
  readonly realm: string;
  private readonly client: KcAdminClient;
  private readonly tokens: TokenManager;
  private readonly config: MlToolsKeycloakConfig;

  constructor(private readonly options: KeycloakAdminGatewayOptions) {
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

  /** Builds the gateway from the parsed `mlTools` config. */
  static fromConfig(
    config: { keycloak: MlToolsKeycloakConfig },
    deps: { logger?: LoggerService; hooks?: GatewayHooks } = {},
  ): KeycloakAdminGateway {
    return new KeycloakAdminGateway({
      config: config.keycloak,
      logger: deps.logger,
      hooks: deps.hooks,
    });
  }

  /** Logins made so far; concurrent callers share one. */
  get loginCount(): number {
    return this.tokens.loginCount;
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
      throw this.translate(error, 'login');
    });
    const value = loginClient.accessToken;
    if (!value)
      throw new UpstreamError('Keycloak login returned no access token');
    return { value, expiresAt: jwtExpiry(value) };
  }

  /**
   * One logical call: re-login once on 401, retry per {@link CallKind}, report the call
   * to the hooks, translate failures into Backstage errors.
   */
  private async call<T>(
    operation: string,
    subject: string,
    kind: CallKind,
    fn: () => Promise<T>,
    recover?: () => Promise<T | undefined>,
  ): Promise<T> {
    const what = `${operation} ${subject}`;
    const attemptOnce = async (): Promise<T> => {
      const token = await this.tokens.get();
      try {
        return await fn();
      } catch (error) {
        if (failureOf(error)?.status !== 401) throw error;
        this.tokens.invalidate(token);
        await this.tokens.get();
        return await fn();
      }
    };
    let result: T;
    try {
      result = await withRetries(
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
    } catch (error) {
      throw this.translate(error, what);
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

  private translate(error: unknown, what: string): Error {
    const f = failureOf(error);
    if (!f) return error as Error;
    const message = `Keycloak ${what} in realm "${this.realm}" failed: ${
      f.status ? `HTTP ${f.status} ` : ''
    }${f.message}`;
    switch (f.status) {
      case 400:
        return new InputError(message);
      case 401:
      case 403:
        return new NotAllowedError(message);
      case 404:
        return new NotFoundError(message);
      case 409:
        return new ConflictError(message);
      case undefined:
      case 429:
      case 502:
      case 503:
      case 504:
        return new ServiceUnavailableError(message);
      default:
        return new UpstreamError(message, undefined, f.status);
    }
  }

  /** Reads that answer 404 for a missing object return undefined. */
  private async orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Deletes that answer 404 were already done. */
  private async deleted(promise: Promise<unknown>): Promise<boolean> {
    try {
      await promise;
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  clientConsoleUrl(clientUuid: string): string {
    return `${
      this.config.consoleBaseUrl
    }/admin/master/console/#/${encodeURIComponent(
      this.realm,
    )}/clients/${encodeURIComponent(clientUuid)}/settings`;
  }

  async findClientByClientId(clientId: string): Promise<KcClient | undefined> {
    const found = await this.call('find-client', clientId, 'read', () =>
      this.client.clients.find({ clientId, max: 2 }),
    );
    // `clientId` filters by exact match in current Keycloak, but be strict anyway.
    return withoutCredentials(
      (found as KcClient[]).find(c => c.clientId === clientId),
    );
  }

  async getClient(clientUuid: string): Promise<KcClient | undefined> {
    const found = await this.call('get-client', clientUuid, 'read', () =>
      this.client.clients.findOne({ id: clientUuid }),
    );
    return withoutCredentials((found ?? undefined) as KcClient | undefined);
  }

  async createClient(client: KcClient): Promise<string> {
    const { id } = await this.call(
      'create-client',
      client.clientId,
      'create',
      () => this.client.clients.create(client),
      async () => {
        const found = await this.findClientByClientId(client.clientId);
        return found?.id ? { id: found.id } : undefined;
      },
    );
    return id;
  }

  async updateClient(clientUuid: string, client: KcClient): Promise<void> {
    await this.call('update-client', client.clientId, 'idempotent', () =>
      this.client.clients.update({ id: clientUuid }, client),
    );
  }

  async deleteClient(clientUuid: string): Promise<boolean> {
    return this.deleted(
      this.call('delete-client', clientUuid, 'idempotent', () =>
        this.client.clients.del({ id: clientUuid }),
      ),
    );
  }

  async getClientSecret(clientUuid: string): Promise<string> {
    const credential = await this.call(
      'get-client-secret',
      clientUuid,
      'read',
      () => this.client.clients.getClientSecret({ id: clientUuid }),
    );
    if (!credential?.value) {
      throw new UpstreamError(
        `Keycloak returned no secret for client ${clientUuid}; is it a confidential client?`,
      );
    }
    return credential.value;
  }

  async listClientProtocolMappers(
    clientUuid: string,
  ): Promise<KcProtocolMapper[]> {
    return (await this.call('list-client-mappers', clientUuid, 'read', () =>
      this.client.clients.listProtocolMappers({ id: clientUuid }),
    )) as KcProtocolMapper[];
  }

  async addClientProtocolMapper(
    clientUuid: string,
    mapper: KcProtocolMapper,
  ): Promise<void> {
    await this.call(
      'add-client-mapper',
      `${clientUuid}/${mapper.name}`,
      'create',
      async () => {
        await this.client.clients.addProtocolMapper({ id: clientUuid }, mapper);
        return true;
      },
      async () => {
        const mappers = await this.listClientProtocolMappers(clientUuid);
        return mappers.some(m => m.name === mapper.name) ? true : undefined;
      },
    );
  }

  async updateClientProtocolMapper(
    clientUuid: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void> {
    await this.call(
      'update-client-mapper',
      `${clientUuid}/${mapper.name}`,
      'idempotent',
      () =>
        this.client.clients.updateProtocolMapper(
          { id: clientUuid, mapperId: mapper.id },
          mapper,
        ),
    );
  }

  async listDefaultClientScopes(
    clientUuid: string,
  ): Promise<Array<{ id: string; name: string }>> {
    const scopes = await this.call(
      'list-default-scopes',
      clientUuid,
      'read',
      () => this.client.clients.listDefaultClientScopes({ id: clientUuid }),
    );
    return (scopes as Array<{ id?: string; name?: string }>).map(s => ({
      id: s.id ?? '',
      name: s.name ?? '',
    }));
  }

  async addDefaultClientScope(
    clientUuid: string,
    scopeId: string,
  ): Promise<void> {
    await this.call(
      'add-default-scope',
      `${clientUuid}/${scopeId}`,
      'idempotent',
      () =>
        this.client.clients.addDefaultClientScope({
          id: clientUuid,
          clientScopeId: scopeId,
        }),
    );
  }

  async findClientScopeByName(
    name: string,
  ): Promise<KcClientScope | undefined> {
    const scopes = await this.call('find-client-scope', name, 'read', () =>
      this.client.clientScopes.find(),
    );
    return (scopes as KcClientScope[]).find(s => s.name === name);
  }

  async createClientScope(scope: KcClientScope): Promise<string> {
    const { id } = await this.call(
      'create-client-scope',
      scope.name,
      'create',
      () => this.client.clientScopes.create(scope),
      async () => {
        const found = await this.findClientScopeByName(scope.name);
        return found?.id ? { id: found.id } : undefined;
      },
    );
    return id;
  }

  async updateClientScope(
    scopeId: string,
    scope: KcClientScope,
  ): Promise<void> {
    await this.call('update-client-scope', scope.name, 'idempotent', () =>
      this.client.clientScopes.update({ id: scopeId }, scope),
    );
  }

  async deleteClientScope(scopeId: string): Promise<boolean> {
    return this.deleted(
      this.call('delete-client-scope', scopeId, 'idempotent', () =>
        this.client.clientScopes.del({ id: scopeId }),
      ),
    );
  }

  async listClientScopeProtocolMappers(
    scopeId: string,
  ): Promise<KcProtocolMapper[]> {
    return (await this.call('list-scope-mappers', scopeId, 'read', () =>
      this.client.clientScopes.listProtocolMappers({ id: scopeId }),
    )) as KcProtocolMapper[];
  }

  async addClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper,
  ): Promise<void> {
    await this.call(
      'add-scope-mapper',
      `${scopeId}/${mapper.name}`,
      'create',
      async () => {
        await this.client.clientScopes.addProtocolMapper(
          { id: scopeId },
          mapper,
        );
        return true;
      },
      async () => {
        const mappers = await this.listClientScopeProtocolMappers(scopeId);
        return mappers.some(m => m.name === mapper.name) ? true : undefined;
      },
    );
  }

  async updateClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void> {
    await this.call(
      'update-scope-mapper',
      `${scopeId}/${mapper.name}`,
      'idempotent',
      () =>
        this.client.clientScopes.updateProtocolMapper(
          { id: scopeId, mapperId: mapper.id },
          mapper,
        ),
    );
  }

  async listClientRoles(clientUuid: string): Promise<KcRole[]> {
    return (await this.call('list-client-roles', clientUuid, 'read', () =>
      this.client.clients.listRoles({ id: clientUuid }),
    )) as KcRole[];
  }

  async createClientRole(clientUuid: string, role: KcRole): Promise<void> {
    await this.call(
      'create-client-role',
      `${clientUuid}/${role.name}`,
      'create',
      async () => {
        await this.client.clients.createRole({ id: clientUuid, ...role });
        return true;
      },
      async () => {
        const roles = await this.listClientRoles(clientUuid);
        return roles.some(r => r.name === role.name) ? true : undefined;
      },
    );
  }

  async updateClientRole(clientUuid: string, role: KcRole): Promise<void> {
    await this.call(
      'update-client-role',
      `${clientUuid}/${role.name}`,
      'idempotent',
      () =>
        this.client.clients.updateRole(
          { id: clientUuid, roleName: role.name },
          role,
        ),
    );
  }

  async findGroupByPath(path: string): Promise<KcGroup | undefined> {
    const normalized = path.startsWith('/') ? path : `/${path}`;
    return this.orUndefined(
      this.call('find-group', normalized, 'read', async () => {
        const group = await this.client.realms.getGroupByPath({
          realm: this.realm,
          path: normalized.slice(1),
        });
        return (group ?? undefined) as KcGroup | undefined;
      }),
    );
  }

  async findGroupsByName(
    search: string,
    options: { exact?: boolean } = {},
  ): Promise<KcGroup[]> {
    const roots = (await this.call('find-groups', search, 'read', () =>
      this.client.groups.find({
        search,
        exact: options.exact ?? false,
        // Attributes tell whether a match is one of ours.
        briefRepresentation: false,
      }),
    )) as KcGroup[];
    // A search answers the matches nested in their ancestors (which may not match
    // themselves); flatten the tree and keep matches only.
    const needle = search.toLocaleLowerCase('en-US');
    const matches = (g: KcGroup) =>
      options.exact
        ? g.name === search
        : g.name.toLocaleLowerCase('en-US').includes(needle);
    const result = new Map<string, KcGroup>();
    const visit = (group: KcGroup) => {
      if (matches(group)) {
        // Only the matching branch is nested, so subGroups would mislead readers.
        const { subGroups: _children, ...rest } = group;
        result.set(group.id ?? group.path ?? '', rest);
      }
      for (const child of group.subGroups ?? []) visit(child);
    };
    roots.forEach(visit);
    return [...result.values()];
  }

  async createGroup(group: KcGroup, parentId?: string): Promise<string> {
    const { id } = await this.call(
      'create-group',
      group.name,
      'create',
      () =>
        parentId
          ? this.client.groups.createChildGroup({ id: parentId }, group)
          : this.client.groups.create(group),
      async () => {
        if (!group.path) return undefined;
        const found = await this.findGroupByPath(group.path);
        return found?.id ? { id: found.id } : undefined;
      },
    );
    return id;
  }

  async updateGroup(groupId: string, group: KcGroup): Promise<void> {
    await this.call(
      'update-group',
      group.path ?? group.name,
      'idempotent',
      () => this.client.groups.update({ id: groupId }, group),
    );
  }

  async deleteGroup(groupId: string): Promise<boolean> {
    return this.deleted(
      this.call('delete-group', groupId, 'idempotent', () =>
        this.client.groups.del({ id: groupId }),
      ),
    );
  }

  async listGroupMembers(
    groupId: string,
    options: { first?: number; max?: number } = {},
  ): Promise<KcUser[]> {
    return (await this.call('list-group-members', groupId, 'read', () =>
      this.client.groups.listMembers({
        id: groupId,
        first: options.first ?? 0,
        max: options.max ?? 100,
        briefRepresentation: true,
      }),
    )) as KcUser[];
  }

  async listGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
  ): Promise<KcRole[]> {
    return (await this.call(
      'list-group-client-roles',
      `${groupId}/${clientUuid}`,
      'read',
      () =>
        this.client.groups.listClientRoleMappings({
          id: groupId,
          clientUniqueId: clientUuid,
        }),
    )) as KcRole[];
  }

  async addGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    roles: KcRole[],
  ): Promise<void> {
    // Adding a mapping that exists is a no-op in Keycloak, so this is idempotent.
    await this.call(
      'add-group-client-roles',
      `${groupId}/${clientUuid}`,
      'idempotent',
      () =>
        this.client.groups.addClientRoleMappings({
          id: groupId,
          clientUniqueId: clientUuid,
          roles: roles.map(r => ({ id: r.id!, name: r.name })),
        }),
    );
  }

  async removeGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    roles: KcRole[],
  ): Promise<void> {
    await this.call(
      'remove-group-client-roles',
      `${groupId}/${clientUuid}`,
      'idempotent',
      () =>
        this.client.groups.delClientRoleMappings({
          id: groupId,
          clientUniqueId: clientUuid,
          roles: roles.map(r => ({ id: r.id!, name: r.name })),
        }),
    );
  }

  async listGroupRoleMappings(groupId: string): Promise<{
    realmMappings: KcRole[];
    clientMappings: Record<
      string,
      { id?: string; client?: string; mappings: KcRole[] }
    >;
  }> {
    const mappings = (await this.call('list-group-roles', groupId, 'read', () =>
      this.client.groups.listRoleMappings({ id: groupId }),
    )) as {
      realmMappings?: KcRole[];
      clientMappings?: Record<
        string,
        { id?: string; client?: string; mappings?: KcRole[] }
      >;
    };
    return {
      realmMappings: mappings.realmMappings ?? [],
      clientMappings: Object.fromEntries(
        Object.entries(mappings.clientMappings ?? {}).map(([k, v]) => [
          k,
          { ...v, mappings: v.mappings ?? [] },
        ]),
      ),
    };
  }
}
