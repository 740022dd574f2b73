import type { Sandbox } from '@ml-platform/sandbox';

/*
 * The sandbox realm seen by a person, not by the portal: an administrator adding a user
 * to a group, and a user signing in to an instance's client at the real token endpoint.
 */

async function adminToken(sandbox: Sandbox): Promise<string> {
  const kc = sandbox.keycloak!;
  const reply = await fetch(
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
  );
  return ((await reply.json()) as { access_token: string }).access_token;
}

/** A call on the sandbox realm's admin API; throws on an error status. */
export async function keycloakAdmin(
  sandbox: Sandbox,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<any> {
  const kc = sandbox.keycloak!;
  const reply = await fetch(`${kc.url}/admin/realms/${kc.realm}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await adminToken(sandbox)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (reply.status >= 400) {
    throw new Error(`${method} ${path}: ${reply.status} ${await reply.text()}`);
  }
  const text = await reply.text();
  return text ? JSON.parse(text) : undefined;
}

/** Creates a user with a password, a member of the groups given (full paths). */
export async function createUser(
  sandbox: Sandbox,
  username: string,
  groupPaths: string[],
): Promise<void> {
  await keycloakAdmin(sandbox, 'POST', '/users', {
    username,
    enabled: true,
    email: `${username}@ml-platform.example`,
    emailVerified: true,
    firstName: username,
    lastName: 'Test',
    credentials: [{ type: 'password', value: username, temporary: false }],
  });
  const [user] = await keycloakAdmin(
    sandbox,
    'GET',
    `/users?username=${username}&exact=true`,
  );
  for (const path of groupPaths) {
    const group = await keycloakAdmin(sandbox, 'GET', `/group-by-path${path}`);
    await keycloakAdmin(sandbox, 'PUT', `/users/${user.id}/groups/${group.id}`);
  }
}

/** The claims of a JWT's payload. */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
  );
}

/**
 * A user's access and ID token claims for a client, from the realm's token endpoint
 * (password grant; the client must allow direct access grants).
 */
export async function signIn(
  sandbox: Sandbox,
  client: { clientId: string; clientSecret: string },
  username: string,
  password = username,
): Promise<{ access: Record<string, unknown>; id: Record<string, unknown> }> {
  const kc = sandbox.keycloak!;
  const reply = await fetch(
    `${kc.url}/realms/${kc.realm}/protocol/openid-connect/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        username,
        password,
        scope: 'openid',
      }),
    },
  );
  const body = (await reply.json()) as {
    access_token?: string;
    id_token?: string;
    error_description?: string;
  };
  if (!body.access_token || !body.id_token) {
    throw new Error(
      `${username} could not sign in: ${reply.status} ${JSON.stringify(body)}`,
    );
  }
  return { access: jwtClaims(body.access_token), id: jwtClaims(body.id_token) };
}
