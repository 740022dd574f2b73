import type {
  KcClient,
  KcClientScope,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from '../context';
import { audienceMapper, ensureMappers } from './mappers';
import {
  assertOwnedScope,
  audienceScopeName,
  ownershipAttributes,
} from './ownership';

export async function ensureAudienceScope(
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
