import type { GatewayReadOptions } from '../kubernetes/types';
import { deleted, type KeycloakConnection } from './KeycloakConnection';
import type { KcClientScope, KcProtocolMapper } from './types';

/* Client scopes of the realm and their protocol mappers. */

/** @internal */
export async function findClientScopeByName(
  kc: KeycloakConnection,
  name: string,
  options: GatewayReadOptions = {},
): Promise<KcClientScope | undefined> {
  const scopes = await kc.call(
    'find-client-scope',
    name,
    'read',
    c => c.clientScopes.find(),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  return (scopes as KcClientScope[]).find(s => s.name === name);
}

/** @internal */
export async function createClientScope(
  kc: KeycloakConnection,
  scope: KcClientScope,
): Promise<string> {
  const { id } = await kc.call(
    'create-client-scope',
    scope.name,
    'create',
    c => c.clientScopes.create(scope),
    {
      recover: async () => {
        const found = await findClientScopeByName(kc, scope.name);
        return found?.id ? { id: found.id } : undefined;
      },
    },
  );
  return id;
}

/** @internal */
export async function updateClientScope(
  kc: KeycloakConnection,
  scopeId: string,
  scope: KcClientScope,
): Promise<void> {
  await kc.call('update-client-scope', scope.name, 'idempotent', c =>
    c.clientScopes.update({ id: scopeId }, scope),
  );
}

/** @internal */
export function deleteClientScope(
  kc: KeycloakConnection,
  scopeId: string,
): Promise<boolean> {
  return deleted(
    kc.call('delete-client-scope', scopeId, 'idempotent', c =>
      c.clientScopes.del({ id: scopeId }),
    ),
  );
}

/** @internal */
export async function listClientScopeProtocolMappers(
  kc: KeycloakConnection,
  scopeId: string,
  options: GatewayReadOptions = {},
): Promise<KcProtocolMapper[]> {
  return (await kc.call(
    'list-scope-mappers',
    scopeId,
    'read',
    c => c.clientScopes.listProtocolMappers({ id: scopeId }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcProtocolMapper[];
}

/** @internal */
export async function addClientScopeProtocolMapper(
  kc: KeycloakConnection,
  scopeId: string,
  mapper: KcProtocolMapper,
): Promise<void> {
  await kc.call(
    'add-scope-mapper',
    `${scopeId}/${mapper.name}`,
    'create',
    async c => {
      await c.clientScopes.addProtocolMapper({ id: scopeId }, mapper);
      return true;
    },
    {
      recover: async () => {
        const mappers = await listClientScopeProtocolMappers(kc, scopeId);
        return mappers.some(m => m.name === mapper.name) ? true : undefined;
      },
    },
  );
}

/** @internal */
export async function updateClientScopeProtocolMapper(
  kc: KeycloakConnection,
  scopeId: string,
  mapper: KcProtocolMapper & { id: string },
): Promise<void> {
  await kc.call(
    'update-scope-mapper',
    `${scopeId}/${mapper.name}`,
    'idempotent',
    c =>
      c.clientScopes.updateProtocolMapper(
        { id: scopeId, mapperId: mapper.id },
        mapper,
      ),
  );
}
