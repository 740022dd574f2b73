import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type {
  KcClient,
  KcClientScope,
  KcGroup,
  KcProtocolMapper,
  KcRole,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from './context';

/** What the client of an instance should look like. */
export interface ClientSpec {
  clientId: string;
  title: string;
  description?: string;
  clientType: 'confidential' | 'public';
  rootUrl: string;
  redirectUris: string[];
  webOrigins: string[];
  /** Entity ref of the owner. */
  owner: string;
  groupsClaim: boolean;
  protocolMappers: KcProtocolMapper[];
  audienceScope: boolean;
}

/** Marks stamped on every client and client scope we create. */
function ownershipAttributes(id: InstanceIdentity): Record<string, string> {
  return {
    [KEYCLOAK_ATTRIBUTES.managedBy]: ML_PLATFORM_MANAGER,
    [KEYCLOAK_ATTRIBUTES.instance]: id.ref,
    [KEYCLOAK_ATTRIBUTES.tool]: id.tool,
  };
}

/**
 * Refuses a client (or scope) that exists without our mark, or that belongs to another
 * instance. Runs before any write.
 */
export function assertOwnedClient(
  client: KcClient | undefined,
  id: InstanceIdentity,
  field = 'input.clientId',
): void {
  if (!client) return;
  const attrs = client.attributes ?? {};
  if (attrs[KEYCLOAK_ATTRIBUTES.managedBy] !== ML_PLATFORM_MANAGER) {
    throw new ConflictError(
      `${field}: Keycloak client "${client.clientId}" already exists in realm and is not managed by ${ML_PLATFORM_MANAGER}; choose another clientId`,
    );
  }
  if (attrs[KEYCLOAK_ATTRIBUTES.instance] !== id.ref) {
    throw new ConflictError(
      `${field}: Keycloak client "${client.clientId}" belongs to instance "${
        attrs[KEYCLOAK_ATTRIBUTES.instance] ?? 'unknown'
      }", not "${id.ref}"; choose another clientId`,
    );
  }
}

export function assertOwnedScope(
  scope: KcClientScope | undefined,
  id: InstanceIdentity,
): void {
  if (!scope) return;
  const attrs = scope.attributes ?? {};
  if (
    attrs[KEYCLOAK_ATTRIBUTES.managedBy] !== ML_PLATFORM_MANAGER ||
    attrs[KEYCLOAK_ATTRIBUTES.instance] !== id.ref
  ) {
    throw new ConflictError(
      `input.clientId: Keycloak client scope "${scope.name}" already exists and was not created for instance "${id.ref}"; choose another clientId`,
    );
  }
}

export function audienceScopeName(clientId: string): string {
  return `${clientId}-audience`;
}

export function groupsMapper(): KcProtocolMapper {
  return {
    name: 'groups',
    protocol: 'openid-connect',
    protocolMapper: 'oidc-group-membership-mapper',
    config: {
      'claim.name': 'groups',
      'full.path': 'false',
      'id.token.claim': 'true',
      'access.token.claim': 'true',
      'userinfo.token.claim': 'true',
      'introspection.token.claim': 'true',
    },
  };
}

export function audienceMapper(clientId: string): KcProtocolMapper {
  return {
    name: `${clientId}-audience`,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: {
      'included.client.audience': clientId,
      'id.token.claim': 'true',
      'access.token.claim': 'true',
      'introspection.token.claim': 'true',
    },
  };
}

function desiredClient(spec: ClientSpec, id: InstanceIdentity): KcClient {
  return {
    clientId: spec.clientId,
    name: spec.title,
    description: spec.description ?? `${spec.title} (${id.ref})`,
    enabled: true,
    protocol: 'openid-connect',
    publicClient: spec.clientType === 'public',
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    rootUrl: spec.rootUrl,
    baseUrl: '/',
    redirectUris: [...spec.redirectUris].sort(),
    webOrigins: [...spec.webOrigins].sort(),
    attributes: {
      ...ownershipAttributes(id),
      [KEYCLOAK_ATTRIBUTES.owner]: spec.owner,
      'pkce.code.challenge.method': 'S256',
      'post.logout.redirect.uris': '+',
    },
  };
}

function sameSet(a: unknown, b: unknown): boolean {
  const x = Array.isArray(a) ? [...a].map(String).sort() : [];
  const y = Array.isArray(b) ? [...b].map(String).sort() : [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Fields of `desired` that differ in `live`; attributes compared key by key. */
function clientDiff(desired: KcClient, live: KcClient): string[] {
  const diff: string[] = [];
  for (const [key, value] of Object.entries(desired)) {
    if (key === 'attributes') {
      for (const [k, v] of Object.entries(value as Record<string, string>)) {
        if (live.attributes?.[k] !== v) diff.push(`attributes.${k}`);
      }
    } else if (Array.isArray(value)) {
      if (!sameSet(value, live[key])) diff.push(key);
    } else if (live[key] !== value) {
      diff.push(key);
    }
  }
  return diff;
}

function mapperMatches(
  desired: KcProtocolMapper,
  live: KcProtocolMapper,
): boolean {
  return (
    live.protocol === desired.protocol &&
    live.protocolMapper === desired.protocolMapper &&
    Object.entries(desired.config).every(([k, v]) => live.config?.[k] === v)
  );
}

/**
 * Ensures mappers on a client or a scope: adds missing ones, updates differing ones,
 * leaves others alone.
 */
async function ensureMappers(
  env: StepEnv,
  owner: string,
  desired: KcProtocolMapper[],
  live: KcProtocolMapper[],
  add: (m: KcProtocolMapper) => Promise<void>,
  update: (m: KcProtocolMapper & { id: string }) => Promise<void>,
): Promise<void> {
  for (const mapper of desired) {
    const current = live.find(m => m.name === mapper.name);
    if (!current) {
      if (!env.dryRun) await add(mapper);
      env.changes.add({
        target: 'keycloak',
        kind: 'protocol mapper',
        name: `${owner}/${mapper.name}`,
        action: 'create',
      });
    } else if (!mapperMatches(mapper, current)) {
      if (!env.dryRun) {
        await update({
          ...mapper,
          id: current.id!,
          config: { ...current.config, ...mapper.config },
        });
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'protocol mapper',
        name: `${owner}/${mapper.name}`,
        action: 'update',
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'protocol mapper',
        name: `${owner}/${mapper.name}`,
        action: 'unchanged',
      });
    }
  }
}

/** Result of {@link ensureClient}. */
export interface EnsuredClient {
  clientId: string;
  /** Undefined only in a dry run where the client would be created. */
  clientUuid?: string;
  /** Whether this call created it (its roles and scopes are then the defaults). */
  created: boolean;
}

/**
 * Get-then-ensure of the client, its mappers, its audience scope (as a default scope).
 * Writes only what differs. `live` is the lookup made during preflight, if any.
 */
export async function ensureClient(
  env: StepEnv,
  id: InstanceIdentity,
  spec: ClientSpec,
  live?: KcClient | null,
  liveScope?: KcClientScope | null,
): Promise<EnsuredClient> {
  const current =
    live === undefined
      ? await env.kc.findClientByClientId(spec.clientId)
      : live ?? undefined;
  assertOwnedClient(current, id);
  const desired = desiredClient(spec, id);
  const mappers = [
    ...(spec.groupsClaim ? [groupsMapper()] : []),
    ...spec.protocolMappers,
  ];
  let clientUuid = current?.id;
  let created = false;
  if (!current) {
    if (!env.dryRun) {
      clientUuid = await env.kc.createClient({
        ...desired,
        protocolMappers: mappers,
      });
    }
    created = true;
    env.changes.add({
      target: 'keycloak',
      kind: 'client',
      name: spec.clientId,
      action: 'create',
      detail: `${spec.clientType}, ${mappers.length} mapper(s)`,
    });
  } else {
    const diff = clientDiff(desired, current);
    if (diff.length > 0) {
      if (!env.dryRun) {
        const { protocolMappers: _m, ...rest } = current;
        await env.kc.updateClient(current.id!, {
          ...rest,
          ...desired,
          attributes: { ...current.attributes, ...desired.attributes },
        });
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'client',
        name: spec.clientId,
        action: 'update',
        detail: `changed: ${diff.join(', ')}`,
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'client',
        name: spec.clientId,
        action: 'unchanged',
      });
    }
    const liveMappers =
      current.protocolMappers ??
      (await env.kc.listClientProtocolMappers(current.id!));
    await ensureMappers(
      env,
      spec.clientId,
      mappers,
      liveMappers,
      m => env.kc.addClientProtocolMapper(current.id!, m),
      m => env.kc.updateClientProtocolMapper(current.id!, m),
    );
  }

  if (spec.audienceScope) {
    await ensureAudienceScope(
      env,
      id,
      spec.clientId,
      clientUuid,
      created ? undefined : current,
      liveScope,
    );
  }
  return { clientId: spec.clientId, clientUuid, created };
}

async function ensureAudienceScope(
  env: StepEnv,
  id: InstanceIdentity,
  clientId: string,
  clientUuid: string | undefined,
  liveClient: KcClient | undefined,
  liveScope?: KcClientScope | null,
): Promise<void> {
  const name = audienceScopeName(clientId);
  const desired: KcClientScope = {
    name,
    description: `Audience ${clientId}`,
    protocol: 'openid-connect',
    attributes: {
      ...ownershipAttributes(id),
      'include.in.token.scope': 'true',
      'display.on.consent.screen': 'false',
    },
  };
  const mapper = audienceMapper(clientId);
  const current =
    liveScope === undefined
      ? await env.kc.findClientScopeByName(name)
      : liveScope ?? undefined;
  assertOwnedScope(current, id);
  let scopeId = current?.id;
  if (!current) {
    if (!env.dryRun) {
      scopeId = await env.kc.createClientScope({
        ...desired,
        protocolMappers: [mapper],
      });
    }
    env.changes.add({
      target: 'keycloak',
      kind: 'client scope',
      name,
      action: 'create',
      detail: 'with audience mapper',
    });
  } else {
    const attrsDiffer = Object.entries(desired.attributes!).some(
      ([k, v]) => current.attributes?.[k] !== v,
    );
    if (attrsDiffer || current.protocol !== desired.protocol) {
      if (!env.dryRun) {
        const { protocolMappers: _m, ...rest } = current;
        await env.kc.updateClientScope(current.id!, {
          ...rest,
          ...desired,
          attributes: { ...current.attributes, ...desired.attributes },
        });
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'client scope',
        name,
        action: 'update',
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'client scope',
        name,
        action: 'unchanged',
      });
    }
    const liveMappers =
      current.protocolMappers ??
      (await env.kc.listClientScopeProtocolMappers(current.id!));
    await ensureMappers(
      env,
      name,
      [mapper],
      liveMappers,
      m => env.kc.addClientScopeProtocolMapper(current.id!, m),
      m => env.kc.updateClientScopeProtocolMapper(current.id!, m),
    );
  }

  // A client we just created has only the realm's default scopes.
  let assigned = false;
  if (liveClient && clientUuid) {
    const names =
      liveClient.defaultClientScopes ??
      (await env.kc.listDefaultClientScopes(clientUuid)).map(s => s.name);
    assigned = names.includes(name);
  }
  if (!assigned) {
    if (!env.dryRun) await env.kc.addDefaultClientScope(clientUuid!, scopeId!);
    env.changes.add({
      target: 'keycloak',
      kind: 'default client scope',
      name: `${clientId}/${name}`,
      action: 'create',
    });
  } else {
    env.changes.add({
      target: 'keycloak',
      kind: 'default client scope',
      name: `${clientId}/${name}`,
      action: 'unchanged',
    });
  }
}

/** Creates missing client roles and fixes descriptions; returns roles with ids. */
export async function ensureRoles(
  env: StepEnv,
  clientId: string,
  clientUuid: string | undefined,
  roles: Array<{ name: string; description: string }>,
  clientIsNew: boolean,
): Promise<KcRole[]> {
  const live =
    clientUuid && !clientIsNew ? await env.kc.listClientRoles(clientUuid) : [];
  let createdAny = false;
  for (const role of roles) {
    const current = live.find(r => r.name === role.name);
    if (!current) {
      if (!env.dryRun) await env.kc.createClientRole(clientUuid!, role);
      createdAny = true;
      env.changes.add({
        target: 'keycloak',
        kind: 'client role',
        name: `${clientId}/${role.name}`,
        action: 'create',
      });
    } else if ((current.description ?? '') !== role.description) {
      if (!env.dryRun) {
        await env.kc.updateClientRole(clientUuid!, {
          ...current,
          description: role.description,
        });
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'client role',
        name: `${clientId}/${role.name}`,
        action: 'update',
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'client role',
        name: `${clientId}/${role.name}`,
        action: 'unchanged',
      });
    }
  }
  if (env.dryRun || !clientUuid) return live;
  // Role creation answers no id; one list gives them all.
  return createdAny ? env.kc.listClientRoles(clientUuid) : live;
}

function splitPath(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function createdForOf(group: KcGroup): string[] {
  const raw = group.attributes?.[KEYCLOAK_ATTRIBUTES.createdFor] ?? [];
  return raw
    .flatMap(v => v.split(','))
    .map(v => v.trim())
    .filter(Boolean);
}

function isOurGroup(group: KcGroup): boolean {
  return (
    group.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy]?.[0] ===
    ML_PLATFORM_MANAGER
  );
}

/** A group of the mapping, after {@link ensureGroups}. */
export interface EnsuredGroup {
  path: string;
  /** Undefined only in a dry run where the group would be created. */
  id?: string;
  /** Whether the group carries our mark (we created it for some instance). */
  ours: boolean;
  /** Whether it was created in this run (its role mappings are then empty). */
  isNew: boolean;
}

/**
 * Creates missing groups (and missing parents) marked as ours and created for this
 * instance; records this instance on groups of ours that another instance created;
 * leaves groups made by others untouched. `alreadyRead` holds groups already read, by
 * path.
 */
export async function ensureGroups(
  env: StepEnv,
  id: InstanceIdentity,
  paths: string[],
  alreadyRead: ReadonlyMap<string, KcGroup> = new Map(),
): Promise<EnsuredGroup[]> {
  const result: EnsuredGroup[] = [];
  const known = new Map<string, KcGroup | undefined>(alreadyRead);
  const lookup = async (path: string) => {
    if (!known.has(path)) known.set(path, await env.kc.findGroupByPath(path));
    return known.get(path);
  };
  for (const path of [...new Set(paths)].sort()) {
    const segments = splitPath(path);
    let parentId: string | undefined;
    let group: KcGroup | undefined = known.get(path);
    let isNew = false;
    // A group already read (resolved by name) needs no walk down its parents.
    for (let i = group ? segments.length : 0; i < segments.length; i++) {
      const partial = `/${segments.slice(0, i + 1).join('/')}`;
      const existing = await lookup(partial);
      if (existing) {
        group = existing;
        parentId = existing.id;
        isNew = false;
        continue;
      }
      const rep: KcGroup = {
        name: segments[i],
        path: partial,
        attributes: {
          [KEYCLOAK_ATTRIBUTES.managedBy]: [ML_PLATFORM_MANAGER],
          [KEYCLOAK_ATTRIBUTES.createdFor]: [id.ref],
        },
      };
      const newId = env.dryRun
        ? undefined
        : await env.kc.createGroup(rep, parentId);
      group = { ...rep, id: newId };
      known.set(partial, group);
      parentId = newId;
      isNew = true;
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: partial,
        action: 'create',
      });
    }
    if (!group) continue;
    if (!isNew) {
      if (isOurGroup(group)) {
        const createdFor = createdForOf(group);
        if (!createdFor.includes(id.ref)) {
          const attributes = {
            ...group.attributes,
            [KEYCLOAK_ATTRIBUTES.createdFor]: [
              [...createdFor, id.ref].sort().join(','),
            ],
          };
          if (!env.dryRun)
            await env.kc.updateGroup(group.id!, { ...group, attributes });
          group = { ...group, attributes };
          known.set(path, group);
          env.changes.add({
            target: 'keycloak',
            kind: 'group',
            name: path,
            action: 'update',
            detail: 'records this instance',
          });
        } else {
          env.changes.add({
            target: 'keycloak',
            kind: 'group',
            name: path,
            action: 'unchanged',
          });
        }
      } else {
        env.changes.add({
          target: 'keycloak',
          kind: 'group',
          name: path,
          action: 'unchanged',
          detail: 'existing group, not ours',
        });
      }
    }
    result.push({ path, id: group.id, ours: isOurGroup(group), isNew });
  }
  return result;
}

/**
 * Makes each group hold exactly the client roles the mapping gives it (roles of other
 * clients are never touched).
 */
export async function ensureGroupRoleMappings(
  env: StepEnv,
  clientId: string,
  clientUuid: string | undefined,
  roles: KcRole[],
  groups: EnsuredGroup[],
  roleMappings: Record<string, string[]>,
): Promise<void> {
  for (const group of groups) {
    const wanted = Object.entries(roleMappings)
      .filter(([, paths]) => paths.includes(group.path))
      .map(([role]) => role)
      .sort();
    const live =
      group.id && clientUuid && !group.isNew
        ? await env.kc.listGroupClientRoleMappings(group.id, clientUuid)
        : [];
    const liveNames = live.map(r => r.name);
    const missing = wanted.filter(r => !liveNames.includes(r));
    const extra = live.filter(r => !wanted.includes(r.name));
    const name = `${group.path} → ${clientId}`;
    if (missing.length > 0) {
      if (!env.dryRun) {
        const byName = new Map(roles.map(r => [r.name, r]));
        const toAdd = missing.map(r => {
          const role = byName.get(r);
          if (!role?.id)
            throw new NotFoundError(`Client role ${clientId}/${r} not found`);
          return role;
        });
        await env.kc.addGroupClientRoleMappings(group.id!, clientUuid!, toAdd);
      }
      env.changes.add({
        target: 'keycloak',
        kind: 'role mapping',
        name,
        action: 'create',
        detail: missing.join(', '),
      });
    }
    if (extra.length > 0) {
      if (!env.dryRun)
        await env.kc.removeGroupClientRoleMappings(
          group.id!,
          clientUuid!,
          extra,
        );
      env.changes.add({
        target: 'keycloak',
        kind: 'role mapping',
        name,
        action: 'delete',
        detail: extra.map(r => r.name).join(', '),
      });
    }
    if (missing.length === 0 && extra.length === 0) {
      env.changes.add({
        target: 'keycloak',
        kind: 'role mapping',
        name,
        action: 'unchanged',
        detail: wanted.join(', '),
      });
    }
  }
}

/** Deletes the instance's client and audience scope, when they are ours. */
export async function deleteClient(
  env: StepEnv,
  id: InstanceIdentity,
  clientId: string,
): Promise<void> {
  const client = await env.kc.findClientByClientId(clientId);
  if (client) {
    assertOwnedClient(client, id, 'input.clientId');
  }
  const scope = await env.kc.findClientScopeByName(audienceScopeName(clientId));
  if (
    scope &&
    !(
      scope.attributes?.[KEYCLOAK_ATTRIBUTES.instance] === id.ref &&
      scope.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy] === ML_PLATFORM_MANAGER
    )
  ) {
    env.changes.add({
      target: 'keycloak',
      kind: 'client scope',
      name: scope.name,
      action: 'foreign',
    });
  } else if (scope) {
    if (!env.dryRun) await env.kc.deleteClientScope(scope.id!);
    env.changes.add({
      target: 'keycloak',
      kind: 'client scope',
      name: scope.name,
      action: 'delete',
    });
  } else {
    env.changes.add({
      target: 'keycloak',
      kind: 'client scope',
      name: audienceScopeName(clientId),
      action: 'absent',
    });
  }
  if (client) {
    if (!env.dryRun) await env.kc.deleteClient(client.id!);
    env.changes.add({
      target: 'keycloak',
      kind: 'client',
      name: clientId,
      action: 'delete',
    });
  } else {
    env.changes.add({
      target: 'keycloak',
      kind: 'client',
      name: clientId,
      action: 'absent',
    });
  }
}

/**
 * Lets go of the instance's groups: each group we created forgets this instance, and
 * is deleted when no other instance asked for it, it has no subgroups and no role of
 * any other client or realm role is mapped to it. Groups made by others stay.
 */
export async function releaseGroups(
  env: StepEnv,
  id: InstanceIdentity,
  paths: string[],
): Promise<void> {
  // Parents we may have created come too; deepest first, so that a parent can go once
  // its children went.
  const withParents = paths.flatMap(p => {
    const segments = splitPath(p);
    return segments.map((_, i) => `/${segments.slice(0, i + 1).join('/')}`);
  });
  const ordered = [...new Set(withParents)].sort(
    (a, b) => splitPath(b).length - splitPath(a).length || a.localeCompare(b),
  );
  for (const path of ordered) {
    const group = await env.kc.findGroupByPath(path);
    if (!group) {
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'absent',
      });
      continue;
    }
    if (!isOurGroup(group)) {
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'foreign',
      });
      continue;
    }
    const others = createdForOf(group).filter(r => r !== id.ref);
    const hasChildren =
      (group.subGroupCount ?? group.subGroups?.length ?? 0) > 0;
    let inUse = others.length > 0 || hasChildren;
    if (!inUse) {
      const mappings = await env.kc.listGroupRoleMappings(group.id!);
      inUse =
        mappings.realmMappings.length > 0 ||
        Object.values(mappings.clientMappings).some(c => c.mappings.length > 0);
    }
    if (!inUse) {
      if (!env.dryRun) await env.kc.deleteGroup(group.id!);
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'delete',
      });
    } else if (others.length !== createdForOf(group).length) {
      const attributes = {
        ...group.attributes,
        [KEYCLOAK_ATTRIBUTES.createdFor]: others.length
          ? [others.sort().join(',')]
          : [],
      };
      if (!env.dryRun)
        await env.kc.updateGroup(group.id!, { ...group, attributes });
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'keep',
        detail: 'still used; forgets this instance',
      });
    } else {
      env.changes.add({
        target: 'keycloak',
        kind: 'group',
        name: path,
        action: 'keep',
        detail: 'still used',
      });
    }
  }
}
