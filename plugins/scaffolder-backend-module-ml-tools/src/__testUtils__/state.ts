import type { Sandbox } from '@ml-platform/sandbox';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const KINDS: Array<[string, string]> = [
  ['v1', 'Namespace'],
  ['v1', 'Secret'],
  ['source.toolkit.fluxcd.io/v1', 'HelmRepository'],
  ['helm.toolkit.fluxcd.io/v2', 'HelmRelease'],
  ['argoproj.io/v1alpha1', 'Application'],
];

/**
 * Everything the suite manages in the sandbox, normalised for comparison across runs:
 * server-assigned ids, versions and times dropped, secret values replaced by their key
 * names (they are random per run), Keycloak UUIDs masked.
 */
export async function snapshotManagedState(sandbox: Sandbox): Promise<unknown> {
  const sim = sandbox.clusters[0].simulator;
  const kubernetes = KINDS.flatMap(([apiVersion, kind]) =>
    sim
      .list(apiVersion, kind, {
        labelSelector: 'app.kubernetes.io/managed-by=ml-platform-backstage',
      })
      .map(o => ({
        kind,
        name: `${o.metadata.namespace ?? ''}/${o.metadata.name}`,
        labels: o.metadata.labels,
        annotations: o.metadata.annotations,
        spec: o.spec,
        type: o.type,
        dataKeys: o.data ? Object.keys(o.data as object).sort() : undefined,
      })),
  ).sort((a, b) => `${a.kind}${a.name}`.localeCompare(`${b.kind}${b.name}`));

  const kc = sandbox.keycloak!;
  const token = await fetch(
    `${kc.url}/realms/${kc.realm}/protocol/openid-connect/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: kc.clientId,
        client_secret: kc.clientSecret,
      }),
    },
  ).then(r => r.json() as Promise<{ access_token: string }>);
  const get = (path: string) =>
    fetch(`${kc.url}/admin/realms/${kc.realm}${path}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    }).then(r => r.json() as Promise<any>);
  const clients = ((await get('/clients')) as any[]).filter(
    c =>
      c.attributes?.['ml-platform.io/managed-by'] === 'ml-platform-backstage',
  );
  const keycloakClients = [];
  for (const c of clients) {
    const roles = ((await get(`/clients/${c.id}/roles`)) as any[])
      .map(r => r.name)
      .sort();
    const { id: _id, secret: _secret, ...rest } = c;
    keycloakClients.push({ ...rest, roles });
  }
  const scopes = ((await get('/client-scopes')) as any[])
    .filter(
      s =>
        s.attributes?.['ml-platform.io/managed-by'] === 'ml-platform-backstage',
    )
    .map(({ id: _id, ...rest }) => rest);
  const groups: unknown[] = [];
  const walk = async (list: any[]) => {
    for (const g of list) {
      const mappings = await get(`/groups/${g.id}/role-mappings`);
      groups.push({
        path: g.path,
        attributes: g.attributes,
        clientRoles: Object.fromEntries(
          Object.entries(mappings.clientMappings ?? {}).map(
            ([k, v]: [string, any]) => [
              k,
              v.mappings.map((m: any) => m.name).sort(),
            ],
          ),
        ),
      });
      const children = await get(`/groups/${g.id}/children`);
      await walk(children);
    }
  };
  await walk(await get('/groups'));
  const text = JSON.stringify({ kubernetes, keycloakClients, scopes, groups });
  // Sandboxes listen on random ports; the applied hash derives from the rest.
  return JSON.parse(
    text
      .replace(UUID, '<uuid>')
      .replace(/127\.0\.0\.1:\d+/g, '<host>')
      .replace(
        /"ml-platform.io\/applied-hash":"[0-9a-f]+"/g,
        '"ml-platform.io/applied-hash":"<hash>"',
      ),
  );
}

/** Creations recorded by the servers: SSA answers 201 on create, Keycloak POST 201. */
export function creations(sandbox: Sandbox, since = 0): string[] {
  return sandbox.log
    .entries({ kind: 'write', since })
    .filter(e => e.status === 201 && !e.path.endsWith('/openid-connect/token'))
    .map(e => `${e.server} ${e.method} ${e.path.replace(UUID, '<uuid>')}`)
    .sort();
}
