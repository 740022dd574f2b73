import type { GatewayReadOptions } from '../kubernetes/types';
import { UpstreamError } from '../lib/errors';
import { deleted, type KeycloakConnection } from './KeycloakConnection';
import type { KcClient, KcProtocolMapper } from './types';

/*
 * Clients of the realm: the client itself, its secret, its protocol mappers and its
 * default client scopes.
 */

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

/** @internal */
export async function findClientByClientId(
  kc: KeycloakConnection,
  clientId: string,
  options: GatewayReadOptions = {},
): Promise<KcClient | undefined> {
  const found = await kc.call(
    'find-client',
    clientId,
    'read',
    c => c.clients.find({ clientId, max: 2 }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  // `clientId` filters by exact match in current Keycloak, but be strict anyway.
  return withoutCredentials(
    (found as KcClient[]).find(c => c.clientId === clientId),
  );
}

/** @internal */
export async function getClient(
  kc: KeycloakConnection,
  clientUuid: string,
  options: GatewayReadOptions = {},
): Promise<KcClient | undefined> {
  const found = await kc.call(
    'get-client',
    clientUuid,
    'read',
    c => c.clients.findOne({ id: clientUuid }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  return withoutCredentials((found ?? undefined) as KcClient | undefined);
}

/** @internal */
export async function listClientsByAttribute(
  kc: KeycloakConnection,
  key: string,
  value: string,
  options: GatewayReadOptions & {
    pageSize?: number;
    attributeSearch?: boolean;
  } = {},
): Promise<KcClient[]> {
  const max = options.pageSize ?? 500;
  const q = options.attributeSearch ? `${key}:${value}` : undefined;
  const result: KcClient[] = [];
  for (let first = 0; ; first += max) {
    const page = (await kc.call(
      'list-clients',
      `${key}=${value}`,
      'read',
      c => c.clients.find(q ? { q, search: true, first, max } : { first, max }),
      { signal: options.signal, timeoutMs: options.timeoutMs },
    )) as KcClient[];
    for (const client of page) {
      const attr = client.attributes?.[key] as unknown;
      const actual = Array.isArray(attr) ? attr[0] : attr;
      if (actual === value) result.push(withoutCredentials(client)!);
    }
    if (page.length < max) return result;
  }
}

/** @internal */
export async function createClient(
  kc: KeycloakConnection,
  client: KcClient,
): Promise<string> {
  const { id } = await kc.call(
    'create-client',
    client.clientId,
    'create',
    c => c.clients.create(client),
    {
      recover: async () => {
        const found = await findClientByClientId(kc, client.clientId);
        return found?.id ? { id: found.id } : undefined;
      },
    },
  );
  return id;
}

/** @internal */
export async function updateClient(
  kc: KeycloakConnection,
  clientUuid: string,
  client: KcClient,
): Promise<void> {
  await kc.call('update-client', client.clientId, 'idempotent', c =>
    c.clients.update({ id: clientUuid }, client),
  );
}

/** @internal */
export function deleteClient(
  kc: KeycloakConnection,
  clientUuid: string,
): Promise<boolean> {
  return deleted(
    kc.call('delete-client', clientUuid, 'idempotent', c =>
      c.clients.del({ id: clientUuid }),
    ),
  );
}

/** @internal */
export async function getClientSecret(
  kc: KeycloakConnection,
  clientUuid: string,
  options: GatewayReadOptions = {},
): Promise<string> {
  const credential = await kc.call(
    'get-client-secret',
    clientUuid,
    'read',
    c => c.clients.getClientSecret({ id: clientUuid }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  if (!credential?.value) {
    throw new UpstreamError(
      `Keycloak returned no secret for client ${clientUuid}; is it a confidential client?`,
    );
  }
  return credential.value;
}

/** @internal */
export async function listClientProtocolMappers(
  kc: KeycloakConnection,
  clientUuid: string,
  options: GatewayReadOptions = {},
): Promise<KcProtocolMapper[]> {
  return (await kc.call(
    'list-client-mappers',
    clientUuid,
    'read',
    c => c.clients.listProtocolMappers({ id: clientUuid }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcProtocolMapper[];
}

/** @internal */
export async function addClientProtocolMapper(
  kc: KeycloakConnection,
  clientUuid: string,
  mapper: KcProtocolMapper,
): Promise<void> {
  await kc.call(
    'add-client-mapper',
    `${clientUuid}/${mapper.name}`,
    'create',
    async c => {
      await c.clients.addProtocolMapper({ id: clientUuid }, mapper);
      return true;
    },
    {
      recover: async () => {
        const mappers = await listClientProtocolMappers(kc, clientUuid);
        return mappers.some(m => m.name === mapper.name) ? true : undefined;
      },
    },
  );
}

/** @internal */
export async function updateClientProtocolMapper(
  kc: KeycloakConnection,
  clientUuid: string,
  mapper: KcProtocolMapper & { id: string },
): Promise<void> {
  await kc.call(
    'update-client-mapper',
    `${clientUuid}/${mapper.name}`,
    'idempotent',
    c =>
      c.clients.updateProtocolMapper(
        { id: clientUuid, mapperId: mapper.id },
        mapper,
      ),
  );
}

/** @internal */
export async function listDefaultClientScopes(
  kc: KeycloakConnection,
  clientUuid: string,
  options: GatewayReadOptions = {},
): Promise<Array<{ id: string; name: string }>> {
  const scopes = await kc.call(
    'list-default-scopes',
    clientUuid,
    'read',
    c => c.clients.listDefaultClientScopes({ id: clientUuid }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  return (scopes as Array<{ id?: string; name?: string }>).map(s => ({
    id: s.id ?? '',
    name: s.name ?? '',
  }));
}

/** @internal */
export async function addDefaultClientScope(
  kc: KeycloakConnection,
  clientUuid: string,
  scopeId: string,
): Promise<void> {
  await kc.call(
    'add-default-scope',
    `${clientUuid}/${scopeId}`,
    'idempotent',
    c =>
      c.clients.addDefaultClientScope({
        id: clientUuid,
        clientScopeId: scopeId,
      }),
  );
}
