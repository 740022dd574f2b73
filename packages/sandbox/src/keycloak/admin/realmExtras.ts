import { randomBytes, randomUUID } from 'node:crypto';
import { createSelfSignedCertificate } from '../../common/tls';
import {
  badRequest,
  conflict,
  errorMessage,
  jsonBody,
  noContent,
  notFound,
  ok,
  type RequestContext,
} from '../http';
import { LDAP_MAPPER, USER_STORAGE } from '../ldap';
import type { ClientState, GroupState } from '../model';
import type { RealmStore, Rep } from '../realmStore';
import { clientRep, groupRep } from '../representations';
import type { AdminCall, AdminRoutes } from './types';

const R = '/admin/realms/:realm';

type Json = Record<string, unknown>;

/** What Keycloak answers for an action that reaches no cluster node. */
const NO_NODES = { successRequests: [], failedRequests: [] };

const DEFAULT_EVENTS_CONFIG = {
  eventsEnabled: false,
  eventsListeners: ['jboss-logging'],
  enabledEventTypes: [],
  adminEventsEnabled: false,
  adminEventsDetailsEnabled: false,
};

/** The mapper kinds an LDAP provider offers as sub-components. */
const LDAP_MAPPER_TYPES = [
  'certificate-ldap-mapper',
  'full-name-ldap-mapper',
  'group-ldap-mapper',
  'hardcoded-attribute-mapper',
  'hardcoded-ldap-attribute-mapper',
  'hardcoded-ldap-group-mapper',
  'hardcoded-ldap-role-mapper',
  'kerberos-principal-attribute-mapper',
  'msad-lds-user-account-control-mapper',
  'msad-user-account-control-mapper',
  'role-ldap-mapper',
  'user-attribute-ldap-mapper',
];

/** The client registration policies a default server ships. */
const REGISTRATION_POLICIES = [
  'allowed-client-templates',
  'allowed-protocol-mappers',
  'client-disabled',
  'consent-required',
  'max-clients',
  'registration-web-origins',
  'scope',
  'trusted-hosts',
];

// ------------------------------------------------------------------ partial import

type ImportAction = 'ADDED' | 'OVERWRITTEN' | 'SKIPPED';

interface ImportResult {
  action: ImportAction;
  resourceType: string;
  resourceName: string;
  id: string;
}

interface Importer {
  type: string;
  /** Prose name of the type in the conflict message. */
  label: string;
  items: Rep[];
  nameOf(rep: Rep): string;
  existing(rep: Rep): { id: string } | undefined;
  create(rep: Rep): { id: string };
  overwrite(id: string, rep: Rep): void;
}

/**
 * `POST /partialImport`: realm roles, client roles, groups, clients and users, with
 * `ifResourceExists` FAIL (nothing is written when anything exists), SKIP or OVERWRITE.
 */
export function partialImport(realm: RealmStore, body: Rep): Json {
  const policy = String(body.ifResourceExists ?? 'FAIL').toUpperCase();
  if (!['FAIL', 'SKIP', 'OVERWRITE'].includes(policy)) {
    throw badRequest('ifResourceExists: must be one of FAIL, SKIP, OVERWRITE');
  }
  const list = (v: unknown) =>
    (Array.isArray(v) ? v : []).filter(
      (x): x is Rep => typeof x === 'object' && x !== null,
    );
  const roles = (body.roles ?? {}) as { realm?: unknown; client?: unknown };
  const importers: Importer[] = [
    {
      type: 'REALM_ROLE',
      label: 'Realm role',
      items: list(roles.realm),
      nameOf: r => String(r.name ?? ''),
      existing: r => realm.realmRole(String(r.name ?? '')),
      create: r => realm.createRole(realm.state.id, false, r),
      overwrite: (id, r) => realm.updateRole(realm.role(id)!, r),
    },
    {
      type: 'CLIENT',
      label: 'Client',
      items: list(body.clients),
      nameOf: r => String(r.clientId ?? ''),
      existing: r => realm.clientByClientId(String(r.clientId ?? '')),
      create: r => realm.createClient(r),
      overwrite: (id, r) => realm.updateClient(realm.client(id), r),
    },
    {
      type: 'GROUP',
      label: 'Group',
      items: list(body.groups),
      nameOf: r => String(r.name ?? ''),
      existing: r => realm.childByName(undefined, String(r.name ?? '')),
      create: r => realm.createGroup(r),
      overwrite: (id, r) => realm.updateGroup(realm.group(id), r),
    },
    {
      type: 'USER',
      label: 'User',
      items: list(body.users),
      nameOf: r => String(r.username ?? ''),
      existing: r => realm.userByUsername(String(r.username ?? '')),
      create: r => realm.createUser(r),
      overwrite: (id, r) => realm.updateUser(realm.user(id), r),
    },
  ];
  // Client roles come after the clients they belong to.
  const clientRoles =
    roles.client && typeof roles.client === 'object'
      ? Object.entries(roles.client as Record<string, unknown>)
      : [];
  for (const [clientId, reps] of clientRoles) {
    const owner = () => {
      const client = realm.clientByClientId(clientId);
      if (!client) throw notFound(`Could not find client ${clientId}`);
      return client;
    };
    importers.push({
      type: 'CLIENT_ROLE',
      label: 'Client role',
      items: list(reps),
      nameOf: r => `${clientId}-->${String(r.name ?? '')}`,
      // The client may come in the same import, so before it exists nothing does.
      existing: r => {
        const client = realm.clientByClientId(clientId);
        return client && realm.clientRole(client.id, String(r.name ?? ''));
      },
      create: r => realm.createRole(owner().id, true, r),
      overwrite: (id, r) => realm.updateRole(realm.role(id)!, r),
    });
  }

  if (policy === 'FAIL') {
    for (const importer of importers) {
      for (const rep of importer.items) {
        if (importer.existing(rep)) {
          throw conflict(
            `${importer.label} '${importer.nameOf(rep)}' already exists.`,
          );
        }
      }
    }
  }
  const results: ImportResult[] = [];
  for (const importer of importers) {
    for (const rep of importer.items) {
      const found = importer.existing(rep);
      let action: ImportAction;
      let id: string;
      if (!found) {
        // The id in the file is Keycloak's to keep or not; it assigns a new one.
        const { id: _ignored, ...withoutId } = rep;
        id = importer.create(withoutId).id;
        action = 'ADDED';
      } else if (policy === 'SKIP') {
        id = found.id;
        action = 'SKIPPED';
      } else {
        importer.overwrite(found.id, rep);
        id = found.id;
        action = 'OVERWRITTEN';
      }
      results.push({
        action,
        resourceType: importer.type,
        resourceName: importer.nameOf(rep),
        id,
      });
    }
  }
  const count = (a: ImportAction) => results.filter(r => r.action === a).length;
  return {
    overwritten: count('OVERWRITTEN'),
    added: count('ADDED'),
    skipped: count('SKIPPED'),
    results,
  };
}

// ------------------------------------------------------------------ routes

function registerRealmLevel(routes: AdminRoutes): void {
  routes.add(
    'POST',
    `${R}/partialImport`,
    { area: 'realm', write: true },
    (ctx, call) => ok(partialImport(call.realm, jsonBody(ctx))),
  );
  routes.add(
    'GET',
    `${R}/client-registration-policy/providers`,
    { area: 'realm' },
    () => ok(REGISTRATION_POLICIES.map(id => ({ id, properties: [] }))),
  );

  // Client initial access tokens: the token itself is shown once, on creation.
  routes.add(
    'GET',
    `${R}/clients-initial-access`,
    { area: 'clients' },
    (_ctx, call) =>
      ok((call.realm.state.initialAccess ?? []).map(a => ({ ...a }))),
  );
  routes.add(
    'POST',
    `${R}/clients-initial-access`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const body = jsonBody(ctx);
      const expiration = Number(body.expiration ?? 0);
      const count = Number(body.count ?? 0);
      if (!Number.isInteger(expiration) || expiration < 0) {
        throw badRequest(
          'expiration: must be zero or a positive number of seconds',
        );
      }
      if (!Number.isInteger(count) || count < 0) {
        throw badRequest('count: must be zero or a positive number');
      }
      const access = {
        id: randomUUID(),
        timestamp: Math.floor(Date.now() / 1000),
        expiration,
        count,
        remainingCount: count,
      };
      (call.realm.state.initialAccess ??= []).push(access);
      return {
        status: 201,
        body: { ...access, token: randomBytes(32).toString('base64url') },
      };
    },
  );
  routes.add(
    'DELETE',
    `${R}/clients-initial-access/:id`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const list = call.realm.state.initialAccess ?? [];
      call.realm.state.initialAccess = list.filter(a => a.id !== ctx.params.id);
      return noContent();
    },
  );

  // Default groups.
  routes.add('GET', `${R}/default-groups`, { area: 'realm' }, (_ctx, call) =>
    ok(
      (call.realm.state.defaultGroupIds ?? [])
        .map(id => call.realm.state.groups[id])
        .filter((g): g is GroupState => Boolean(g))
        .map(g => {
          const rep = groupRep(call.realm, g, { access: false });
          delete rep.subGroups;
          return rep;
        }),
    ),
  );
  routes.add(
    'PUT',
    `${R}/default-groups/:groupId`,
    { area: 'realm', write: true },
    (ctx, call) => {
      const group = call.realm.state.groups[ctx.params.groupId];
      if (!group) throw notFound('Group not found');
      const ids = (call.realm.state.defaultGroupIds ??= []);
      if (!ids.includes(group.id)) ids.push(group.id);
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${R}/default-groups/:groupId`,
    { area: 'realm', write: true },
    (ctx, call) => {
      const group = call.realm.state.groups[ctx.params.groupId];
      if (!group) throw notFound('Group not found');
      call.realm.state.defaultGroupIds = (
        call.realm.state.defaultGroupIds ?? []
      ).filter(id => id !== group.id);
      return noContent();
    },
  );

  // Events: the simulator records none, so the listings are empty.
  routes.add('GET', `${R}/events/config`, { area: 'realm' }, (_ctx, call) =>
    ok({ ...DEFAULT_EVENTS_CONFIG, ...call.realm.state.eventsConfig }),
  );
  routes.add(
    'PUT',
    `${R}/events/config`,
    { area: 'realm', write: true },
    (ctx, call) => {
      const body = jsonBody(ctx);
      const next: Json = { ...call.realm.state.eventsConfig };
      for (const key of Object.keys(DEFAULT_EVENTS_CONFIG)) {
        if (body[key] !== undefined && body[key] !== null)
          next[key] = body[key];
      }
      if (body.eventsExpiration !== undefined) {
        next.eventsExpiration = body.eventsExpiration;
      }
      call.realm.state.eventsConfig = next;
      return noContent();
    },
  );
  for (const path of ['events', 'admin-events']) {
    routes.add('GET', `${R}/${path}`, { area: 'realm' }, () => ok([]));
    routes.add('DELETE', `${R}/${path}`, { area: 'realm', write: true }, () =>
      noContent(),
    );
  }

  routes.add(
    'GET',
    `${R}/users-management-permissions`,
    { area: 'realm' },
    () => ok({ enabled: false }),
  );

  // Realm keys: the simulator's signing pair and refresh-token secret (never shown).
  routes.add('GET', `${R}/keys`, { area: 'realm' }, (_ctx, call) => {
    const kid = call.env.keys.state.kid;
    return ok({
      active: { RS256: kid, HS512: `${kid}-hs` },
      keys: [
        {
          providerId: `${call.realm.state.id}-rsa-generated`,
          providerPriority: 100,
          kid,
          status: 'ACTIVE',
          type: 'RSA',
          algorithm: 'RS256',
          publicKey: call.env.keys.publicKeyDer(),
          use: 'SIG',
        },
        {
          providerId: `${call.realm.state.id}-hmac-generated`,
          providerPriority: 100,
          kid: `${kid}-hs`,
          status: 'ACTIVE',
          type: 'OCT',
          algorithm: 'HS512',
          use: 'SIG',
        },
      ],
    });
  });

  // Sessions: none are kept, so there is nothing to count or to push.
  routes.add('GET', `${R}/client-session-stats`, { area: 'realm' }, () =>
    ok([]),
  );
  routes.add(
    'POST',
    `${R}/push-revocation`,
    { area: 'realm', write: true },
    () => ok(NO_NODES),
  );
  routes.add('POST', `${R}/logout-all`, { area: 'users', write: true }, () =>
    ok(NO_NODES),
  );
}

function installation(
  call: AdminCall,
  client: ClientState,
  providerId: string,
  baseUrl: string,
): { body: string; contentType: string } {
  const credentials = client.publicClient
    ? undefined
    : { secret: client.secret ?? '' };
  switch (providerId) {
    case 'keycloak-oidc-keycloak-json':
      return {
        contentType: 'application/json',
        body: JSON.stringify(
          {
            realm: call.realm.name,
            'auth-server-url': `${baseUrl}/`,
            'ssl-required': 'external',
            resource: client.clientId,
            ...(client.publicClient ? { 'public-client': true } : {}),
            ...(credentials ? { credentials } : {}),
            'confidential-port': 0,
          },
          null,
          2,
        ),
      };
    case 'keycloak-oidc-jboss-subsystem':
      return {
        contentType: 'text/plain',
        body: [
          `<secure-deployment name="WAR MODULE NAME.war">`,
          `    <realm>${call.realm.name}</realm>`,
          `    <auth-server-url>${baseUrl}/</auth-server-url>`,
          `    <ssl-required>EXTERNAL</ssl-required>`,
          `    <resource>${client.clientId}</resource>`,
          ...(client.publicClient
            ? ['    <public-client>true</public-client>']
            : [
                `    <credential name="secret">${
                  client.secret ?? ''
                }</credential>`,
              ]),
          `</secure-deployment>`,
          '',
        ].join('\n'),
      };
    default:
      throw notFound('Unknown Provider');
  }
}

function registerClientLevel(routes: AdminRoutes): void {
  const C = `${R}/clients/:id`;
  const clientOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.client(ctx.params.id);

  for (const path of ['user-sessions', 'offline-sessions']) {
    routes.add('GET', `${C}/${path}`, { area: 'clients' }, (ctx, call) => {
      clientOf(call, ctx);
      return ok([]);
    });
  }
  for (const path of ['session-count', 'offline-session-count']) {
    routes.add('GET', `${C}/${path}`, { area: 'clients' }, (ctx, call) => {
      clientOf(call, ctx);
      return ok({ count: 0 });
    });
  }

  routes.add(
    'POST',
    `${C}/nodes`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const node = jsonBody(ctx).node;
      if (typeof node !== 'string' || node === '') {
        throw badRequest('Node not found in params');
      }
      client.registeredNodes = {
        ...client.registeredNodes,
        [node]: Math.floor(Date.now() / 1000),
      };
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${C}/nodes/:node`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const nodes = { ...client.registeredNodes };
      if (nodes[ctx.params.node] === undefined) {
        throw notFound('Client does not have node ');
      }
      delete nodes[ctx.params.node];
      client.registeredNodes =
        Object.keys(nodes).length > 0 ? nodes : undefined;
      return noContent();
    },
  );

  routes.add(
    'POST',
    `${C}/registration-access-token`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      return ok({
        ...clientRep(call.realm, client),
        registrationAccessToken: randomBytes(48).toString('base64url'),
      });
    },
  );
  routes.add(
    'GET',
    `${C}/installation/providers/:providerId`,
    { area: 'clients' },
    (ctx, call) => {
      const { body, contentType } = installation(
        call,
        clientOf(call, ctx),
        ctx.params.providerId,
        ctx.baseUrl,
      );
      return { status: 200, body, contentType };
    },
  );

  // Rotation is a preview feature a default server leaves off: no secret is ever kept
  // as rotated, and invalidating "it" succeeds with nothing to do.
  routes.add(
    'DELETE',
    `${C}/client-secret/rotated`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      for (const key of Object.keys(client.attributes)) {
        if (key.startsWith('client.secret.rotated'))
          delete client.attributes[key];
      }
      return noContent();
    },
  );

  // Client certificates (for signed-JWT client authentication), kept in attributes.
  const certificateOf = (client: ClientState, attr: string) =>
    Object.fromEntries(
      Object.entries({
        certificate: client.attributes[`${attr}.certificate`],
        publicKey: client.attributes[`${attr}.public.key`],
        kid: client.attributes[`${attr}.kid`],
      }).filter(([, v]) => v !== undefined),
    );
  routes.add(
    'GET',
    `${C}/certificates/:attr`,
    { area: 'clients' },
    (ctx, call) => ok(certificateOf(clientOf(call, ctx), ctx.params.attr)),
  );
  routes.add(
    'POST',
    `${C}/certificates/:attr/generate`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const pem = createSelfSignedCertificate({
        commonName: client.clientId,
      }).cert;
      client.attributes[`${ctx.params.attr}.certificate`] = pem
        .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
        .replace(/\s+/g, '');
      return ok(certificateOf(client, ctx.params.attr));
    },
  );
}

function registerComponentTypes(routes: AdminRoutes): void {
  routes.add(
    'GET',
    `${R}/components/:id/sub-component-types`,
    { area: 'realm' },
    (ctx, call) => {
      const parent = call.realm.state.components[ctx.params.id];
      if (!parent) throw notFound('Could not find parent component');
      const type = ctx.query.get('type');
      if (!type) throw errorMessage(400, 'must specify a subtype');
      const offers =
        parent.providerType === USER_STORAGE &&
        parent.providerId === 'ldap' &&
        type === LDAP_MAPPER;
      return ok(
        offers
          ? LDAP_MAPPER_TYPES.map(id => ({ id, properties: [], metadata: {} }))
          : [],
      );
    },
  );
}

/**
 * The realm and client endpoints beyond plain CRUD: partial import and export, default
 * groups, initial access, events, keys, sessions, nodes, certificates, installation
 * files, and the sub-component types of a component.
 */
export function registerRealmExtras(routes: AdminRoutes): void {
  registerRealmLevel(routes);
  registerClientLevel(routes);
  registerComponentTypes(routes);
}
