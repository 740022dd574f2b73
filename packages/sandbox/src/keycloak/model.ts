/*
 * The simulator's stored state. Everything here is plain JSON so `snapshot()` can hand it
 * out and a new simulator can start from it; lookup indexes are rebuilt from it on load.
 */

/** One protocol mapper, on a client or on a client scope. */
export interface MapperState {
  id: string;
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}

export interface ClientState {
  id: string;
  clientId: string;
  name?: string;
  description?: string;
  rootUrl?: string;
  adminUrl?: string;
  baseUrl?: string;
  enabled: boolean;
  alwaysDisplayInConsole: boolean;
  clientAuthenticatorType: string;
  secret?: string;
  redirectUris: string[];
  webOrigins: string[];
  bearerOnly: boolean;
  consentRequired: boolean;
  standardFlowEnabled: boolean;
  implicitFlowEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  serviceAccountsEnabled: boolean;
  publicClient: boolean;
  frontchannelLogout: boolean;
  protocol: string;
  attributes: Record<string, string>;
  fullScopeAllowed: boolean;
  protocolMappers: MapperState[];
  /** Client scope ids. */
  defaultClientScopes: string[];
  optionalClientScopes: string[];
  serviceAccountUserId?: string;
  /** Role ids in the client's scope (what its tokens may carry without full scope). */
  scopeRoleIds?: string[];
  /** Cluster nodes registered by hand: host to registration time in seconds. */
  registeredNodes?: Record<string, number>;
  /** Authorization services data, once enabled. */
  authz?: AuthzState;
}

/** One authorization scope of a resource server. */
export interface AuthzScopeState {
  id: string;
  name: string;
  displayName?: string;
  iconUri?: string;
}

/** One protected resource of a resource server. */
export interface AuthzResourceState {
  id: string;
  name: string;
  displayName?: string;
  type?: string;
  uris: string[];
  ownerManagedAccess: boolean;
  attributes: Record<string, string[]>;
  /** Scope ids. */
  scopeIds: string[];
}

/** A policy or a permission (`resource` / `scope` types are permissions). */
export interface AuthzPolicyState {
  id: string;
  name: string;
  description?: string;
  type: string;
  logic: string;
  decisionStrategy: string;
  /** Type-specific settings (users, roles, groups, code...), echoed back. */
  config: Record<string, unknown>;
  resourceIds: string[];
  scopeIds: string[];
  /** Ids of the policies a permission applies. */
  policyIds: string[];
}

/** A client's resource server settings and objects. */
export interface AuthzState {
  allowRemoteResourceManagement: boolean;
  policyEnforcementMode: string;
  decisionStrategy: string;
  scopes: AuthzScopeState[];
  resources: AuthzResourceState[];
  policies: AuthzPolicyState[];
}

export interface ClientScopeState {
  id: string;
  name: string;
  description?: string;
  protocol: string;
  attributes: Record<string, string>;
  protocolMappers: MapperState[];
  /** Role ids in the scope (roles a token may carry when this scope applies). */
  scopeRoleIds?: string[];
}

export interface RoleState {
  id: string;
  name: string;
  description?: string;
  clientRole: boolean;
  /** Realm id for a realm role, client uuid for a client role. */
  containerId: string;
  attributes: Record<string, string[]>;
  /** Role ids this composite role includes. */
  composites: string[];
}

export interface GroupState {
  id: string;
  name: string;
  description?: string;
  parentId?: string;
  attributes: Record<string, string[]>;
  /** Role ids mapped to the group, realm and client roles alike. */
  roleIds: string[];
}

export interface UserState {
  id: string;
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled: boolean;
  emailVerified: boolean;
  createdTimestamp: number;
  attributes: Record<string, string[]>;
  requiredActions: string[];
  /** Direct group memberships (ids). */
  groupIds: string[];
  /** Direct role mappings (ids). */
  roleIds: string[];
  /** `salt:sha256(salt + password)`; absent when the user has no password. */
  passwordHash?: string;
  /** Client uuid whose service account this user is. */
  serviceAccountClientId?: string;
  /** Id of the user-storage component that imported the user. */
  federationLink?: string;
  /** Id, creation time and label of the password credential (with `passwordHash`). */
  passwordCredential?: { id: string; createdDate: number; userLabel?: string };
  /** Links to identity-provider accounts. */
  federatedIdentities?: Array<{
    identityProvider: string;
    userId: string;
    userName: string;
  }>;
}

export interface ComponentState {
  id: string;
  name: string;
  providerId: string;
  providerType: string;
  parentId: string;
  subType?: string;
  config: Record<string, string[]>;
}

export interface RealmState {
  id: string;
  realm: string;
  displayName?: string;
  enabled: boolean;
  /** Other realm settings as given on create or update, echoed on read. */
  settings: Record<string, unknown>;
  attributes: Record<string, string>;
  defaultRoleId: string;
  clients: Record<string, ClientState>;
  clientScopes: Record<string, ClientScopeState>;
  defaultDefaultClientScopes: string[];
  defaultOptionalClientScopes: string[];
  roles: Record<string, RoleState>;
  groups: Record<string, GroupState>;
  users: Record<string, UserState>;
  components: Record<string, ComponentState>;
  /** Groups every new user joins. */
  defaultGroupIds?: string[];
  /** The declarative user profile, once read or written (Keycloak's default otherwise). */
  userProfile?: Record<string, unknown>;
  /** Event settings (`/events/config`). */
  eventsConfig?: Record<string, unknown>;
  /** Client initial access tokens (their token is only shown on creation). */
  initialAccess?: Array<{
    id: string;
    timestamp: number;
    expiration: number;
    count: number;
    remainingCount: number;
  }>;
}

export interface SigningKeyState {
  kid: string;
  /** The RSA private key as a JWK (it carries the public half too). */
  privateJwk: Record<string, unknown>;
  /** Secret for the HS512-signed refresh tokens. */
  hmacSecret: string;
}

export interface SimulatorState {
  version: 1;
  keys: SigningKeyState;
  tokenLifetimeSeconds: number;
  refreshLifetimeSeconds: number;
  /** Counter embedded in every token id so "every token issued so far" can be told apart. */
  tokenSequence: number;
  /** Tokens whose sequence is at or below this are expired (see `expireTokens`). */
  expiredThroughSequence: number;
  realms: Record<string, RealmState>;
}
