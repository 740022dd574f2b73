import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type {
  KcClient,
  KcClientScope,
  KcProtocolMapper,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from '../context';
import { ensureMappers, groupsMapper } from './mappers';
import {
  assertOwnedClient,
  audienceScopeName,
  ownershipAttributes,
} from './ownership';
import { ensureAudienceScope } from './scopes';

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
