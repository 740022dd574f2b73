/*
 * Model to JSON, with Keycloak's field names and order. Optional fields are left out when
 * unset, as Keycloak's serializer drops nulls.
 */
import { SECRET_CONFIG, SECRET_VALUE } from './ldap';
import type {
  ClientScopeState,
  ClientState,
  ComponentState,
  GroupState,
  MapperState,
  RoleState,
  UserState,
} from './model';
import type { RealmStore } from './realmStore';

type Json = Record<string, unknown>;

function compact(obj: Json): Json {
  for (const key of Object.keys(obj))
    if (obj[key] === undefined) delete obj[key];
  return obj;
}

export function mapperRep(m: MapperState): Json {
  return {
    id: m.id,
    name: m.name,
    protocol: m.protocol,
    protocolMapper: m.protocolMapper,
    consentRequired: false,
    config: { ...m.config },
  };
}

export function clientRep(realm: RealmStore, c: ClientState): Json {
  const scopeNames = (ids: string[]) =>
    ids.map(id => realm.state.clientScopes[id]?.name).filter(Boolean);
  return compact({
    id: c.id,
    clientId: c.clientId,
    name: c.name,
    description: c.description,
    rootUrl: c.rootUrl,
    adminUrl: c.adminUrl,
    baseUrl: c.baseUrl,
    surrogateAuthRequired: false,
    enabled: c.enabled,
    alwaysDisplayInConsole: c.alwaysDisplayInConsole,
    clientAuthenticatorType: c.clientAuthenticatorType,
    secret: c.publicClient ? undefined : c.secret,
    redirectUris: [...c.redirectUris],
    webOrigins: [...c.webOrigins],
    notBefore: 0,
    bearerOnly: c.bearerOnly,
    consentRequired: c.consentRequired,
    standardFlowEnabled: c.standardFlowEnabled,
    implicitFlowEnabled: c.implicitFlowEnabled,
    directAccessGrantsEnabled: c.directAccessGrantsEnabled,
    serviceAccountsEnabled: c.serviceAccountsEnabled,
    authorizationServicesEnabled: c.authz ? true : undefined,
    publicClient: c.publicClient,
    frontchannelLogout: c.frontchannelLogout,
    protocol: c.protocol,
    attributes: { ...c.attributes },
    authenticationFlowBindingOverrides: {},
    fullScopeAllowed: c.fullScopeAllowed,
    nodeReRegistrationTimeout: -1,
    registeredNodes:
      c.registeredNodes && Object.keys(c.registeredNodes).length > 0
        ? { ...c.registeredNodes }
        : undefined,
    protocolMappers:
      c.protocolMappers.length > 0
        ? c.protocolMappers.map(mapperRep)
        : undefined,
    defaultClientScopes: scopeNames(c.defaultClientScopes),
    optionalClientScopes: scopeNames(c.optionalClientScopes),
    access: { view: true, configure: true, manage: true },
  });
}

export function clientScopeRep(s: ClientScopeState): Json {
  return compact({
    id: s.id,
    name: s.name,
    description: s.description,
    protocol: s.protocol,
    attributes: { ...s.attributes },
    protocolMappers:
      s.protocolMappers.length > 0
        ? s.protocolMappers.map(mapperRep)
        : undefined,
  });
}

/** The `{id, name}` pairs the client-scope attachment listings return. */
export function scopeRefRep(s: ClientScopeState): Json {
  return { id: s.id, name: s.name };
}

export function roleRep(r: RoleState): Json {
  return compact({
    id: r.id,
    name: r.name,
    description: r.description,
    composite: r.composites.length > 0,
    clientRole: r.clientRole,
    containerId: r.containerId,
    attributes: Object.fromEntries(
      Object.entries(r.attributes).map(([k, v]) => [k, [...v]]),
    ),
  });
}

const GROUP_ACCESS = {
  view: true,
  viewMembers: true,
  manageMembers: true,
  manage: true,
  manageMembership: true,
};

export interface GroupRepOptions {
  /** Attributes and role mappings too (the single read and `briefRepresentation=false`). */
  full?: boolean;
  /** Adds `subGroupCount`. */
  subGroupCount?: boolean;
  /** Nested subgroups (only search results carry them). */
  subGroups?: Json[];
  /** Adds `access` (every group endpoint but a user's group listing). */
  access?: boolean;
}

export function groupRep(
  realm: RealmStore,
  g: GroupState,
  opts: GroupRepOptions = {},
): Json {
  const rep: Json = compact({
    id: g.id,
    name: g.name,
    description: g.description,
    path: realm.groupPath(g),
    parentId: g.parentId,
  });
  if (opts.subGroupCount) rep.subGroupCount = realm.subGroupCount(g.id);
  rep.subGroups = opts.subGroups ?? [];
  if (opts.full) {
    const realmRoles: string[] = [];
    const clientRoles: Record<string, string[]> = {};
    for (const id of g.roleIds) {
      const role = realm.state.roles[id];
      if (!role) continue;
      if (!role.clientRole) {
        realmRoles.push(role.name);
      } else {
        const owner = realm.state.clients[role.containerId];
        if (owner) (clientRoles[owner.clientId] ??= []).push(role.name);
      }
    }
    rep.attributes = Object.fromEntries(
      Object.entries(g.attributes).map(([k, v]) => [k, [...v]]),
    );
    rep.realmRoles = realmRoles;
    rep.clientRoles = clientRoles;
  }
  if (opts.access !== false) rep.access = { ...GROUP_ACCESS };
  return rep;
}

export function userRep(u: UserState, brief = false): Json {
  const rep = compact({
    id: u.id,
    username: u.username,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    emailVerified: u.emailVerified,
    attributes:
      !brief && Object.keys(u.attributes).length > 0
        ? Object.fromEntries(
            Object.entries(u.attributes).map(([k, v]) => [k, [...v]]),
          )
        : undefined,
    createdTimestamp: u.createdTimestamp,
    enabled: u.enabled,
    federationLink: u.federationLink,
    serviceAccountClientId: u.serviceAccountClientId,
  });
  if (!brief) {
    rep.totp = false;
    rep.disableableCredentialTypes = [];
    rep.requiredActions = [...u.requiredActions];
    rep.notBefore = 0;
  }
  rep.access = {
    manageGroupMembership: true,
    view: true,
    mapRoles: true,
    impersonate: true,
    manage: true,
  };
  return rep;
}

export function componentRep(c: ComponentState): Json {
  return compact({
    id: c.id,
    name: c.name,
    providerId: c.providerId,
    providerType: c.providerType,
    parentId: c.parentId,
    subType: c.subType,
    // Keycloak never reads a secret config value back: it answers a mask instead.
    config: Object.fromEntries(
      Object.entries(c.config).map(([k, v]) => [
        k,
        SECRET_CONFIG[c.providerId]?.includes(k)
          ? v.map(value => (value ? SECRET_VALUE : value))
          : [...v],
      ]),
    ),
  });
}

export function realmRep(
  realm: RealmStore,
  tokenLifetimeSeconds: number,
  brief = false,
): Json {
  const s = realm.state;
  if (brief)
    return compact({
      id: s.id,
      realm: s.realm,
      displayName: s.displayName,
      enabled: s.enabled,
    });
  const defaultRole = realm.role(s.defaultRoleId);
  return compact({
    id: s.id,
    realm: s.realm,
    displayName: s.displayName,
    notBefore: 0,
    defaultSignatureAlgorithm: 'RS256',
    revokeRefreshToken: false,
    refreshTokenMaxReuse: 0,
    accessTokenLifespan: tokenLifetimeSeconds,
    accessTokenLifespanForImplicitFlow: 900,
    ssoSessionIdleTimeout: 1800,
    ssoSessionMaxLifespan: 36000,
    enabled: s.enabled,
    sslRequired: 'external',
    registrationAllowed: false,
    loginWithEmailAllowed: true,
    duplicateEmailsAllowed: false,
    resetPasswordAllowed: false,
    editUsernameAllowed: false,
    bruteForceProtected: false,
    ...s.settings,
    defaultRole: defaultRole
      ? {
          id: defaultRole.id,
          name: defaultRole.name,
          description: defaultRole.description,
          composite: true,
          clientRole: false,
          containerId: s.id,
        }
      : undefined,
    attributes: { ...s.attributes },
  });
}
