import type { ClientState, MapperState, UserState } from './model';
import type { RealmStore } from './realmStore';

/** Which token a mapper is being applied to. */
export type TokenKind = 'access' | 'id' | 'userinfo' | 'introspection';

/** What the mappers read while shaping one token. */
export interface MapperContext {
  realm: RealmStore;
  client: ClientState;
  user: UserState;
  /** User-session notes (auth time, the service account's client id and address). */
  notes: Record<string, string>;
  /** Effective role ids of the user. */
  roleIds: Set<string>;
}

/**
 * Whether a mapper writes into a given token. Mappers written before a flag existed have no
 * access-token flag and are applied to access tokens, as Keycloak does for compatibility.
 */
export function mapperApplies(mapper: MapperState, kind: TokenKind): boolean {
  const c = mapper.config;
  switch (kind) {
    case 'access':
      return (
        c['access.token.claim'] === undefined ||
        c['access.token.claim'] === 'true'
      );
    case 'id':
      return c['id.token.claim'] === 'true';
    case 'userinfo':
      return (
        c['userinfo.token.claim'] === 'true' ||
        (c['userinfo.token.claim'] === undefined &&
          c['id.token.claim'] === 'true')
      );
    case 'introspection':
      return (
        c['introspection.token.claim'] === undefined ||
        c['introspection.token.claim'] === 'true'
      );
    default:
      return false;
  }
}

/** Splits a claim name on dots, except escaped ones (`a\.b` is one key). */
function claimPath(name: string): string[] {
  return name
    .split(/(?<!\\)\./)
    .map(part => part.replace(/\\\./g, '.'))
    .filter(part => part !== '');
}

/** Sets a (possibly nested) claim; arrays merge with what earlier mappers put there. */
export function setClaim(
  claims: Record<string, unknown>,
  name: string,
  value: unknown,
): void {
  const path = claimPath(name);
  if (path.length === 0 || value === undefined) return;
  let target = claims;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      target[key] = {};
    }
    target = target[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  const existing = target[last];
  if (Array.isArray(existing) && Array.isArray(value)) {
    target[last] = [...new Set([...existing, ...value])];
  } else {
    target[last] = value;
  }
}

/** Converts a value to the mapper's `jsonType.label`. */
function convert(value: unknown, type: string | undefined): unknown {
  const one = (v: unknown): unknown => {
    switch ((type ?? 'String').toLowerCase()) {
      case 'boolean':
        return v === true || String(v).toLowerCase() === 'true';
      case 'long':
      case 'int': {
        const n = Number(v);
        return Number.isFinite(n) ? Math.trunc(n) : undefined;
      }
      case 'json':
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v);
        } catch {
          return undefined;
        }
      default:
        return typeof v === 'string' ? v : JSON.stringify(v);
    }
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

const PROPERTY: Record<string, (u: UserState) => unknown> = {
  username: u => u.username,
  email: u => u.email,
  firstName: u => u.firstName,
  lastName: u => u.lastName,
  emailVerified: u => u.emailVerified,
  enabled: u => u.enabled,
  id: u => u.id,
};

/** Lower runs first: roles before the audience resolver that reads them. */
function priority(mapper: MapperState): number {
  switch (mapper.protocolMapper) {
    case 'oidc-usermodel-realm-role-mapper':
    case 'oidc-usermodel-client-role-mapper':
      return 10;
    case 'oidc-audience-resolve-mapper':
      return 30;
    default:
      return 20;
  }
}

/**
 * Applies protocol mappers to a claim set. Supported types: user property, user attribute,
 * full name, hard-coded claim, group membership, audience, audience resolve, realm and
 * client roles, allowed origins, acr, sub and user-session note. Other types are ignored.
 * Returns the audiences the mappers asked for.
 */
export function applyMappers(
  mappers: MapperState[],
  kind: TokenKind,
  claims: Record<string, unknown>,
  ctx: MapperContext,
): Set<string> {
  const audiences = new Set<string>();
  const ordered = [...mappers].sort((a, b) => priority(a) - priority(b));
  for (const mapper of ordered) {
    if (!mapperApplies(mapper, kind)) continue;
    const c = mapper.config;
    const claimName = c['claim.name'];
    const multivalued = c.multivalued === 'true';
    switch (mapper.protocolMapper) {
      case 'oidc-usermodel-property-mapper': {
        const read = PROPERTY[c['user.attribute'] ?? ''];
        const value = read?.(ctx.user);
        if (claimName && value !== undefined) {
          setClaim(claims, claimName, convert(value, c['jsonType.label']));
        }
        break;
      }
      case 'oidc-usermodel-attribute-mapper': {
        const attr = c['user.attribute'] ?? '';
        const property = PROPERTY[attr]?.(ctx.user);
        const values =
          property !== undefined ? [property] : ctx.user.attributes[attr] ?? [];
        if (!claimName || values.length === 0) break;
        setClaim(
          claims,
          claimName,
          convert(multivalued ? values : values[0], c['jsonType.label']),
        );
        break;
      }
      case 'oidc-full-name-mapper': {
        const name = [ctx.user.firstName, ctx.user.lastName]
          .filter(Boolean)
          .join(' ');
        if (name) setClaim(claims, 'name', name);
        break;
      }
      case 'oidc-hardcoded-claim-mapper':
        if (claimName && c['claim.value'] !== undefined) {
          setClaim(
            claims,
            claimName,
            convert(c['claim.value'], c['jsonType.label']),
          );
        }
        break;
      case 'oidc-group-membership-mapper': {
        const fullPath = c['full.path'] === 'true';
        const groups = ctx.user.groupIds
          .map(id => ctx.realm.state.groups[id])
          .filter(Boolean)
          .map(g => (fullPath ? ctx.realm.groupPath(g) : g.name))
          .sort();
        // A single-valued mapper still writes every group, as Keycloak does.
        setClaim(claims, claimName || 'groups', groups);
        break;
      }
      case 'oidc-audience-mapper':
        if (c['included.client.audience'])
          audiences.add(c['included.client.audience']);
        if (c['included.custom.audience'])
          audiences.add(c['included.custom.audience']);
        break;
      case 'oidc-audience-resolve-mapper': {
        const access = claims.resource_access;
        if (access && typeof access === 'object') {
          for (const clientId of Object.keys(access)) {
            if (clientId !== ctx.client.clientId) audiences.add(clientId);
          }
        }
        break;
      }
      case 'oidc-usermodel-realm-role-mapper': {
        const prefix = c['usermodel.realmRoleMapping.rolePrefix'] ?? '';
        const names = [...ctx.roleIds]
          .map(id => ctx.realm.state.roles[id])
          .filter(r => r && !r.clientRole)
          .map(r => prefix + r.name)
          .sort();
        if (names.length > 0) {
          setClaim(
            claims,
            claimName || 'realm_access.roles',
            multivalued ? names : names.join(','),
          );
        }
        break;
      }
      case 'oidc-usermodel-client-role-mapper': {
        const only = c['usermodel.clientRoleMapping.clientId'];
        const prefix = c['usermodel.clientRoleMapping.rolePrefix'] ?? '';
        const byClient = new Map<string, string[]>();
        for (const id of ctx.roleIds) {
          const role = ctx.realm.state.roles[id];
          if (!role?.clientRole) continue;
          const owner = ctx.realm.state.clients[role.containerId];
          if (!owner || (only && owner.clientId !== only)) continue;
          byClient.set(owner.clientId, [
            ...(byClient.get(owner.clientId) ?? []),
            prefix + role.name,
          ]);
        }
        const template = claimName || 'resource_access.${client_id}.roles';
        for (const [clientId, names] of byClient) {
          const escaped = clientId.replace(/\./g, '\\.');
          setClaim(
            claims,
            template.replace('${client_id}', escaped),
            multivalued ? names.sort() : names.sort().join(','),
          );
        }
        break;
      }
      case 'oidc-allowed-origins-mapper': {
        const origins = new Set<string>();
        for (const origin of ctx.client.webOrigins) {
          if (origin === '+') {
            for (const uri of ctx.client.redirectUris) {
              try {
                origins.add(new URL(uri).origin);
              } catch {
                // relative redirect URIs have no origin of their own
              }
            }
          } else {
            origins.add(origin);
          }
        }
        if (origins.size > 0) setClaim(claims, 'allowed-origins', [...origins]);
        break;
      }
      case 'oidc-acr-mapper':
        setClaim(claims, 'acr', '1');
        break;
      case 'oidc-sub-mapper':
        setClaim(claims, 'sub', ctx.user.id);
        break;
      case 'oidc-usersessionmodel-note-mapper': {
        const value = ctx.notes[c['user.session.note'] ?? ''];
        if (claimName && value !== undefined) {
          setClaim(claims, claimName, convert(value, c['jsonType.label']));
        }
        break;
      }
      default:
        break;
    }
  }
  return audiences;
}
