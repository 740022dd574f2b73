import type { KcProtocolMapper } from '@ml-platform/plugin-ml-tools-node';
import type { StepEnv } from '../context';

export function groupsMapper(): KcProtocolMapper {
  return {
    name: 'groups',
    protocol: 'openid-connect',
    protocolMapper: 'oidc-group-membership-mapper',
    config: {
      'claim.name': 'groups',
      'full.path': 'true',
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

export function mapperMatches(
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
export async function ensureMappers(
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
