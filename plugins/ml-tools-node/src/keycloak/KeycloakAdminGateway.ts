import type { LoggerService } from '@backstage/backend-plugin-api';
import type { MlToolsKeycloakConfig } from '../config/readMlToolsConfig';
import type { GatewayHooks, GatewayReadOptions } from '../kubernetes/types';
import type { RetryOptions } from '../lib/retry';
import * as clientScopes from './clientScopes';
import * as clients from './clients';
import { fetchOidcDiscovery } from './discovery';
import * as federation from './federation';
import * as groups from './groups';
import { KeycloakConnection } from './KeycloakConnection';
import * as roles from './roles';
import type {
  KcClient,
  KcClientScope,
  KcComponent,
  KcGroup,
  KcLdapTest,
  KcRealm,
  KcProtocolMapper,
  KcRole,
  KcUser,
  KeycloakGateway,
} from './types';

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
 * client-credentials grant of the configured service-account client. One instance
 * serves the writes of the scaffolder actions and the reads of the catalog provider
 * and the routes alike.
 *
 * @public
 */
export class KeycloakAdminGateway implements KeycloakGateway {
  readonly realm: string;
  private readonly kc: KeycloakConnection;

  constructor(options: KeycloakAdminGatewayOptions) {
    this.kc = new KeycloakConnection(options);
    this.realm = this.kc.realm;
  }

  /** Builds the gateway from the parsed `mlTools` config. */
  static fromConfig(
    config: { keycloak: MlToolsKeycloakConfig },
    deps: {
      logger?: LoggerService;
      hooks?: GatewayHooks;
      retry?: Partial<Omit<RetryOptions, 'classify'>>;
    } = {},
  ): KeycloakAdminGateway {
    return new KeycloakAdminGateway({ config: config.keycloak, ...deps });
  }

  /** Logins made so far; concurrent callers share one. */
  get loginCount(): number {
    return this.kc.loginCount;
  }

  clientConsoleUrl(clientUuid: string): string {
    return `${
      this.kc.config.consoleBaseUrl
    }/admin/master/console/#/${encodeURIComponent(
      this.realm,
    )}/clients/${encodeURIComponent(clientUuid)}/settings`;
  }

  findClientByClientId(clientId: string, options?: GatewayReadOptions) {
    return clients.findClientByClientId(this.kc, clientId, options);
  }

  getClient(clientUuid: string, options?: GatewayReadOptions) {
    return clients.getClient(this.kc, clientUuid, options);
  }

  listClientsByAttribute(
    key: string,
    value: string,
    options?: GatewayReadOptions & {
      pageSize?: number;
      attributeSearch?: boolean;
    },
  ): Promise<KcClient[]> {
    return clients.listClientsByAttribute(this.kc, key, value, options);
  }

  createClient(client: KcClient): Promise<string> {
    return clients.createClient(this.kc, client);
  }

  updateClient(clientUuid: string, client: KcClient): Promise<void> {
    return clients.updateClient(this.kc, clientUuid, client);
  }

  deleteClient(clientUuid: string): Promise<boolean> {
    return clients.deleteClient(this.kc, clientUuid);
  }

  getClientSecret(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<string> {
    return clients.getClientSecret(this.kc, clientUuid, options);
  }

  listClientProtocolMappers(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcProtocolMapper[]> {
    return clients.listClientProtocolMappers(this.kc, clientUuid, options);
  }

  addClientProtocolMapper(
    clientUuid: string,
    mapper: KcProtocolMapper,
  ): Promise<void> {
    return clients.addClientProtocolMapper(this.kc, clientUuid, mapper);
  }

  updateClientProtocolMapper(
    clientUuid: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void> {
    return clients.updateClientProtocolMapper(this.kc, clientUuid, mapper);
  }

  listDefaultClientScopes(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<Array<{ id: string; name: string }>> {
    return clients.listDefaultClientScopes(this.kc, clientUuid, options);
  }

  addDefaultClientScope(clientUuid: string, scopeId: string): Promise<void> {
    return clients.addDefaultClientScope(this.kc, clientUuid, scopeId);
  }

  findClientScopeByName(
    name: string,
    options?: GatewayReadOptions,
  ): Promise<KcClientScope | undefined> {
    return clientScopes.findClientScopeByName(this.kc, name, options);
  }

  createClientScope(scope: KcClientScope): Promise<string> {
    return clientScopes.createClientScope(this.kc, scope);
  }

  updateClientScope(scopeId: string, scope: KcClientScope): Promise<void> {
    return clientScopes.updateClientScope(this.kc, scopeId, scope);
  }

  deleteClientScope(scopeId: string): Promise<boolean> {
    return clientScopes.deleteClientScope(this.kc, scopeId);
  }

  listClientScopeProtocolMappers(
    scopeId: string,
    options?: GatewayReadOptions,
  ): Promise<KcProtocolMapper[]> {
    return clientScopes.listClientScopeProtocolMappers(
      this.kc,
      scopeId,
      options,
    );
  }

  addClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper,
  ): Promise<void> {
    return clientScopes.addClientScopeProtocolMapper(this.kc, scopeId, mapper);
  }

  updateClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void> {
    return clientScopes.updateClientScopeProtocolMapper(
      this.kc,
      scopeId,
      mapper,
    );
  }

  listClientRoles(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcRole[]> {
    return roles.listClientRoles(this.kc, clientUuid, options);
  }

  createClientRole(clientUuid: string, role: KcRole): Promise<void> {
    return roles.createClientRole(this.kc, clientUuid, role);
  }

  updateClientRole(clientUuid: string, role: KcRole): Promise<void> {
    return roles.updateClientRole(this.kc, clientUuid, role);
  }

  findGroupByPath(
    path: string,
    options?: GatewayReadOptions,
  ): Promise<KcGroup | undefined> {
    return groups.findGroupByPath(this.kc, path, options);
  }

  findGroupsByName(
    search: string,
    options?: GatewayReadOptions & { exact?: boolean },
  ): Promise<KcGroup[]> {
    return groups.findGroupsByName(this.kc, search, options);
  }

  createGroup(group: KcGroup, parentId?: string): Promise<string> {
    return groups.createGroup(this.kc, group, parentId);
  }

  updateGroup(groupId: string, group: KcGroup): Promise<void> {
    return groups.updateGroup(this.kc, groupId, group);
  }

  deleteGroup(groupId: string): Promise<boolean> {
    return groups.deleteGroup(this.kc, groupId);
  }

  listGroupMembers(
    groupId: string,
    options?: GatewayReadOptions & { first?: number; max?: number },
  ): Promise<KcUser[]> {
    return groups.listGroupMembers(this.kc, groupId, options);
  }

  listGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcRole[]> {
    return roles.listGroupClientRoleMappings(
      this.kc,
      groupId,
      clientUuid,
      options,
    );
  }

  addGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    mapped: KcRole[],
  ): Promise<void> {
    return roles.addGroupClientRoleMappings(
      this.kc,
      groupId,
      clientUuid,
      mapped,
    );
  }

  removeGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    mapped: KcRole[],
  ): Promise<void> {
    return roles.removeGroupClientRoleMappings(
      this.kc,
      groupId,
      clientUuid,
      mapped,
    );
  }

  listGroupRoleMappings(groupId: string, options?: GatewayReadOptions) {
    return roles.listGroupRoleMappings(this.kc, groupId, options);
  }

  listAllGroupClientRoles(options?: GatewayReadOptions) {
    return roles.listAllGroupClientRoles(this.kc, options);
  }

  fetchOidcDiscovery(options?: GatewayReadOptions) {
    return fetchOidcDiscovery(this.kc, options);
  }

  findRealm(realm: string, options?: GatewayReadOptions) {
    return federation.findRealm(this.kc, realm, options);
  }

  listRealms(options?: GatewayReadOptions) {
    return federation.listRealms(this.kc, options);
  }

  createRealm(realm: KcRealm): Promise<void> {
    return federation.createRealm(this.kc, realm);
  }

  listComponents(
    realm: string,
    query: { parent?: string; type?: string; name?: string },
    options?: GatewayReadOptions,
  ) {
    return federation.listComponents(this.kc, realm, query, options);
  }

  createComponent(realm: string, component: KcComponent) {
    return federation.createComponent(this.kc, realm, component);
  }

  updateComponent(realm: string, id: string, component: KcComponent) {
    return federation.updateComponent(this.kc, realm, id, component);
  }

  deleteComponent(realm: string, id: string) {
    return federation.deleteComponent(this.kc, realm, id);
  }

  testLdapConnection(realm: string, test: KcLdapTest) {
    return federation.testLdapConnection(this.kc, realm, test);
  }

  syncUserStorage(
    realm: string,
    id: string,
    action: 'triggerFullSync' | 'triggerChangedUsersSync',
  ) {
    return federation.syncUserStorage(this.kc, realm, id, action);
  }

  syncStorageMapper(
    realm: string,
    parentId: string,
    id: string,
    direction: 'fedToKeycloak' | 'keycloakToFed',
  ) {
    return federation.syncStorageMapper(
      this.kc,
      realm,
      parentId,
      id,
      direction,
    );
  }

  listFederatedUsers(
    realm: string,
    componentId: string,
    options?: GatewayReadOptions & { pageSize?: number },
  ) {
    return federation.listFederatedUsers(this.kc, realm, componentId, options);
  }

  listUserGroups(realm: string, userId: string, options?: GatewayReadOptions) {
    return federation.listUserGroups(this.kc, realm, userId, options);
  }
}
