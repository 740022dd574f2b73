import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type {
  KcComponent,
  KcLdapTest,
  KcSyncResult,
  KeycloakGateway,
} from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsActionOptions } from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import { parseInput, type Zod } from '../lib/inputs';
import {
  changedKeys,
  federationOwnership,
  groupMapperConfig,
  isOurComponent,
  LDAP_STORAGE_MAPPER,
  LDAP_VENDOR_PRESETS,
  LDAP_VENDORS,
  MASKED_SECRET,
  providerConfig,
  USER_STORAGE_PROVIDER,
  type FederationSpec,
} from '../lib/keycloak/federation';
import { keycloakFederationEnsureExamples } from './keycloakFederationEnsure.examples';

/** Keycloak's rule for realm names we accept: no slash, no space. */
const REALM_NAME = /^[A-Za-z0-9][-_.A-Za-z0-9]{0,99}$/;
const LDAP_URL = /^ldaps?:\/\/[^\s/]+\/?$/;
const DN = /^[^=,\s][^=]*=[^,]+(,\s*[^=,\s][^=]*=[^,]+)*$/;
const ATTRIBUTE = /^[A-Za-z][-A-Za-z0-9;]*$/;
const CLASS_LIST = /^[A-Za-z][-A-Za-z0-9]*(\s*,\s*[A-Za-z][-A-Za-z0-9]*)*$/;
const FILTER = /^\(.*\)$/;

/** The name of the task secret that holds the bind credential. */
export const BIND_CREDENTIAL_SECRET = 'bindCredential';

const dn = (z: Zod, what: string) =>
  z
    .string()
    .max(1024)
    .regex(
      DN,
      'must be a distinguished name such as ou=People,dc=example,dc=com',
    )
    .describe(what);
const attribute = (z: Zod, what: string) =>
  z
    .string()
    .max(128)
    .regex(ATTRIBUTE, 'must be an LDAP attribute name')
    .optional()
    .describe(what);

const inputSchema = (z: Zod) =>
  z.object({
    realm: z
      .string()
      .regex(REALM_NAME, "must be letters, digits, '-', '_' or '.'")
      .optional()
      .describe(
        "The realm to federate; the platform's own realm (mlTools.keycloak.realm) by default",
      ),
    createRealm: z
      .boolean()
      .default(true)
      .describe('Creates the realm when it does not exist'),
    owner: z
      .string()
      .min(1)
      .describe(
        'Entity ref of the group that owns the federation, such as group:default/platform',
      ),
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(
        /^[A-Za-z0-9][-_. A-Za-z0-9]*$/,
        'must be letters, digits, space, -, _ or .',
      )
      .default('ldap')
      .describe('Display name of the user federation in the realm'),
    vendor: z
      .enum(LDAP_VENDORS)
      .default('openldap')
      .describe(
        'Directory vendor: sets the username, RDN and UUID attributes and the object classes Keycloak uses for it',
      ),
    connectionUrl: z
      .string()
      .max(1024)
      .regex(LDAP_URL, 'must be ldap://host[:port] or ldaps://host[:port]')
      .describe('URL of the LDAP server, such as ldaps://ldap.example.com:636'),
    startTls: z
      .boolean()
      .default(false)
      .describe('Upgrades an ldap:// connection with StartTLS'),
    connectionTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .optional()
      .describe('LDAP connection timeout in milliseconds'),
    bindDn: dn(z, 'DN Keycloak binds as to search the directory'),
    usersDn: dn(z, 'DN under which the users are'),
    usernameAttribute: attribute(
      z,
      'LDAP attribute of the username; from the vendor by default',
    ),
    rdnAttribute: attribute(
      z,
      'LDAP attribute of the RDN of user entries; from the vendor by default',
    ),
    uuidAttribute: attribute(
      z,
      'LDAP attribute of the unique id of user entries; from the vendor by default',
    ),
    userObjectClasses: z
      .string()
      .max(512)
      .regex(CLASS_LIST, 'must be object class names separated by commas')
      .optional()
      .describe('Object classes of user entries; from the vendor by default'),
    userSearchFilter: z
      .string()
      .max(2048)
      .regex(FILTER, 'must be an LDAP filter in parentheses')
      .optional()
      .describe('Extra LDAP filter users must match'),
    searchScope: z
      .enum(['one', 'subtree'])
      .default('one')
      .describe(
        'Users directly under usersDn (one) or anywhere below it (subtree)',
      ),
    editMode: z
      .enum(['READ_ONLY', 'WRITABLE', 'UNSYNCED'])
      .default('READ_ONLY')
      .describe(
        'Whether Keycloak may write users back to LDAP; read-only by default',
      ),
    groups: z
      .object({
        dn: dn(z, 'DN under which the groups are'),
        nameAttribute: attribute(
          z,
          'LDAP attribute of the group name (cn by default)',
        ),
        objectClasses: z
          .string()
          .max(512)
          .regex(CLASS_LIST, 'must be object class names separated by commas')
          .optional()
          .describe(
            'Object classes of group entries; from the vendor by default',
          ),
        membershipAttribute: attribute(
          z,
          'LDAP attribute of a group listing its members (member by default)',
        ),
        membershipAttributeType: z
          .enum(['DN', 'UID'])
          .default('DN')
          .describe('Whether members are listed by DN or by username'),
        filter: z
          .string()
          .max(2048)
          .regex(FILTER, 'must be an LDAP filter in parentheses')
          .optional()
          .describe('Extra LDAP filter groups must match'),
        mode: z
          .enum(['READ_ONLY', 'LDAP_ONLY', 'IMPORT'])
          .default('READ_ONLY')
          .describe('Group mapper mode; read-only by default'),
      })
      .optional()
      .describe(
        'Imports LDAP groups and their memberships with a group mapper',
      ),
    sync: z
      .enum(['whenChanged', 'always'])
      .default('whenChanged')
      .describe(
        'Full sync of users and groups: when the federation was created or changed (a re-run with nothing changed writes nothing), or on every run',
      ),
  });

type Input = ReturnType<ReturnType<typeof inputSchema>['parse']>;

function specOf(input: Input): FederationSpec {
  const preset = LDAP_VENDOR_PRESETS[input.vendor];
  return {
    name: input.name,
    vendor: input.vendor,
    connectionUrl: input.connectionUrl.replace(/\/$/, ''),
    bindDn: input.bindDn,
    usersDn: input.usersDn,
    usernameAttribute: input.usernameAttribute ?? preset.usernameAttribute,
    rdnAttribute: input.rdnAttribute ?? preset.rdnAttribute,
    uuidAttribute: input.uuidAttribute ?? preset.uuidAttribute,
    userObjectClasses: input.userObjectClasses ?? preset.userObjectClasses,
    userSearchFilter: input.userSearchFilter,
    searchScope: input.searchScope,
    editMode: input.editMode,
    startTls: input.startTls,
    connectionTimeoutMs: input.connectionTimeoutMs,
    owner: input.owner,
    groups: input.groups && {
      name: 'groups',
      dn: input.groups.dn,
      nameAttribute: input.groups.nameAttribute ?? 'cn',
      objectClasses: input.groups.objectClasses ?? preset.groupObjectClasses,
      membershipAttribute: input.groups.membershipAttribute ?? 'member',
      membershipAttributeType: input.groups.membershipAttributeType,
      membershipUserAttribute:
        input.usernameAttribute ?? preset.membershipUserAttribute,
      filter: input.groups.filter,
      mode: input.groups.mode,
      path: '/',
    },
  };
}

/** Keycloak's LDAP test error codes, told to the user in words. */
const TEST_FAILURES: Record<string, string> = {
  AuthenticationFailure: 'the server refused the bind DN and bind credential',
  CommunicationError: 'the server could not be reached',
  UnknownHost: 'the host name does not resolve',
};

/**
 * "Test connection" then "test authentication", as Keycloak's console does, before
 * anything is saved. A refusal is an InputError naming the field it is about.
 */
async function testDirectory(
  kc: KeycloakGateway,
  realm: string,
  spec: FederationSpec,
  bindCredential: string,
  existingId: string | undefined,
): Promise<{ storedCredentialBinds: boolean }> {
  const base: Omit<KcLdapTest, 'action'> = {
    connectionUrl: spec.connectionUrl,
    authType: 'simple',
    startTls: String(spec.startTls),
    useTruststoreSpi: 'always',
    ...(spec.connectionTimeoutMs
      ? { connectionTimeout: String(spec.connectionTimeoutMs) }
      : {}),
  };
  const connection = await kc.testLdapConnection(realm, {
    ...base,
    action: 'testConnection',
  });
  if (!connection.ok) {
    throw new InputError(
      `Invalid input: input.connectionUrl "${
        spec.connectionUrl
      }": Keycloak's connection test failed (${connection.error}): ${
        TEST_FAILURES[connection.error] ?? 'see the Keycloak server log'
      }`,
    );
  }
  const auth = await kc.testLdapConnection(realm, {
    ...base,
    action: 'testAuthentication',
    bindDn: spec.bindDn,
    bindCredential,
  });
  if (!auth.ok) {
    const field =
      auth.error === 'AuthenticationFailure'
        ? 'secrets.bindCredential'
        : 'input.connectionUrl';
    throw new InputError(
      `Invalid input: ${field}: Keycloak's authentication test as "${
        spec.bindDn
      }" failed (${auth.error}): ${
        auth.error === 'AuthenticationFailure'
          ? 'wrong bind credential for this bind DN'
          : TEST_FAILURES[auth.error] ?? 'see the Keycloak server log'
      }`,
    );
  }
  // The stored credential reads back masked: whether it still binds tells whether it
  // needs rewriting, without ever reading or comparing it.
  if (!existingId) return { storedCredentialBinds: false };
  const stored = await kc.testLdapConnection(realm, {
    ...base,
    action: 'testAuthentication',
    bindDn: spec.bindDn,
    bindCredential: MASKED_SECRET,
    componentId: existingId,
  });
  return { storedCredentialBinds: stored.ok };
}

/** What a dry run says it would do to an object. */
function planned(exists: boolean, differs: boolean): string {
  if (!exists) return 'create';
  return differs ? 'update' : 'keep';
}

/** What the ensure step remembers (ids and counts; never the credential). */
type EnsureResult = {
  realmCreated: boolean;
  componentId: string;
  groupMapperId: string | null;
  changed: boolean;
};

const countsLine = (what: string, r: KcSyncResult) =>
  `${r.added ?? 0} ${what} imported, ${r.updated ?? 0} updated, ${
    r.removed ?? 0
  } removed, ${r.failed ?? 0} failed`;

/**
 * `keycloak:federation:ensure`: an LDAP / Active Directory user federation in a realm
 * (created when missing), tested with Keycloak's connection and authentication tests
 * before anything is saved, a group mapper, then a full sync of users and groups. The
 * bind credential comes from the task's secrets and goes to Keycloak only.
 *
 * @public
 */
export function createKeycloakFederationEnsureAction(
  options: MlToolsActionOptions,
) {
  return createTemplateAction({
    id: 'keycloak:federation:ensure',
    description:
      'Ensures a Keycloak realm with an LDAP / Active Directory user federation and a group mapper, tested before saving, then synced',
    examples: keycloakFederationEnsureExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        realm: z => z.string().describe('The realm'),
        componentId: z => z.string().describe('Id of the user federation'),
        groupMapperId: z =>
          z.string().optional().describe('Id of the group mapper'),
        users: z =>
          z.number().describe('Users the federation holds after the run'),
        groups: z =>
          z
            .number()
            .optional()
            .describe('Groups the group sync found in LDAP, when it ran'),
        consoleUrl: z =>
          z.string().describe('Admin console page of the federation'),
      },
    },
    async handler(ctx) {
      const input = parseInput(inputSchema, ctx.input);
      const kc = options.keycloak;
      const realm = input.realm ?? options.config.keycloak.realm;
      const bindCredential = ctx.secrets?.[BIND_CREDENTIAL_SECRET];
      if (!bindCredential) {
        throw new InputError(
          `Invalid input: secrets.${BIND_CREDENTIAL_SECRET} is required: the LDAP bind credential, entered in the form's secret field`,
        );
      }
      if (options.access) {
        await options.access.assertGroupEntity(input.owner, 'input.owner');
      }
      const spec = specOf(input);

      // Reads and tests first: nothing is written before they pass.
      const existingRealm = await kc.findRealm(realm);
      if (!existingRealm && !input.createRealm) {
        throw new InputError(
          `Invalid input: input.realm "${realm}" does not exist and input.createRealm is false`,
        );
      }
      const existing = existingRealm
        ? (
            await kc.listComponents(realm, {
              type: USER_STORAGE_PROVIDER,
              name: spec.name,
            })
          ).find(c => c.name === spec.name)
        : undefined;
      if (existing && !isOurComponent(existing)) {
        throw new ConflictError(
          `input.name: realm "${realm}" already has a user federation "${spec.name}" that the platform did not create; choose another name`,
        );
      }
      if (existing) {
        await options.access?.assertMayChange(
          ctx,
          federationOwnership(realm, existing),
          'change',
        );
      }
      // A realm that does not exist yet cannot run the test: the platform's realm does.
      const testRealm = existingRealm ? realm : kc.realm;
      const { storedCredentialBinds } = await testDirectory(
        kc,
        testRealm,
        spec,
        bindCredential,
        existing?.id,
      );
      ctx.logger.info(
        `LDAP ${spec.connectionUrl}: connection and authentication as ${spec.bindDn} tested`,
      );

      const wantedProvider = providerConfig(spec);
      const providerDiff = existing
        ? changedKeys(wantedProvider, existing.config)
        : [];
      const rewriteCredential = !!existing && !storedCredentialBinds;
      const mapperConfig = groupMapperConfig(spec);
      const existingMapper =
        existing?.id && spec.groups
          ? (
              await kc.listComponents(realm, {
                parent: existing.id,
                type: LDAP_STORAGE_MAPPER,
                name: spec.groups.name,
              })
            ).find(m => m.name === spec.groups!.name)
          : undefined;
      if (existingMapper && !isOurComponent(existingMapper)) {
        throw new ConflictError(
          `input.groups: the federation already has a mapper "${existingMapper.name}" that the platform did not create`,
        );
      }
      const mapperDiff =
        mapperConfig && existingMapper
          ? changedKeys(mapperConfig, existingMapper.config)
          : [];

      const log = (
        kind: string,
        name: string,
        action: string,
        detail?: string,
      ) =>
        ctx.logger.info(
          `Keycloak ${kind} ${name}: ${
            ctx.isDryRun ? `would ${action}` : action
          }${detail ? ` (${detail})` : ''}`,
        );
      const consoleUrl = (id: string) =>
        `${
          options.config.keycloak.consoleBaseUrl
        }/admin/master/console/#/${encodeURIComponent(
          realm,
        )}/user-federation/ldap/${encodeURIComponent(id)}`;

      if (ctx.isDryRun) {
        log('realm', realm, existingRealm ? 'keep' : 'create');
        log(
          'user federation',
          `${realm}/${spec.name}`,
          planned(!!existing, providerDiff.length > 0 || rewriteCredential),
          [
            ...providerDiff,
            ...(rewriteCredential ? ['bindCredential'] : []),
          ].join(', '),
        );
        if (mapperConfig) {
          log(
            'group mapper',
            `${realm}/${spec.name}/groups`,
            planned(!!existingMapper, mapperDiff.length > 0),
            mapperDiff.join(', '),
          );
        }
        ctx.output('realm', realm);
        ctx.output('componentId', existing?.id ?? '');
        ctx.output('users', 0);
        ctx.output('consoleUrl', existing?.id ? consoleUrl(existing.id) : '');
        return;
      }

      const ensured = await checkpointed<EnsureResult>(
        ctx,
        `keycloak.federation.${realm}.${spec.name}`,
        async () => {
          let realmCreated = false;
          if (!existingRealm) {
            await kc.createRealm({ realm, enabled: true });
            realmCreated = true;
            log('realm', realm, 'created');
          }
          let componentId = existing?.id;
          let changed = false;
          const provider: KcComponent = {
            name: spec.name,
            providerId: 'ldap',
            providerType: USER_STORAGE_PROVIDER,
            config: {
              ...(existing?.config ?? {}),
              ...wantedProvider,
              bindCredential: [
                existing && !rewriteCredential ? MASKED_SECRET : bindCredential,
              ],
            },
          };
          if (!componentId) {
            const parent = (await kc.findRealm(realm))?.id;
            componentId = await kc.createComponent(realm, {
              ...provider,
              ...(parent ? { parentId: parent } : {}),
            });
            changed = true;
            log('user federation', `${realm}/${spec.name}`, 'created');
          } else if (providerDiff.length || rewriteCredential) {
            await kc.updateComponent(realm, componentId, {
              ...provider,
              id: componentId,
              parentId: existing!.parentId,
            });
            changed = true;
            log(
              'user federation',
              `${realm}/${spec.name}`,
              'updated',
              [
                ...providerDiff,
                ...(rewriteCredential ? ['bindCredential'] : []),
              ].join(', '),
            );
          } else {
            log('user federation', `${realm}/${spec.name}`, 'unchanged');
          }
          let groupMapperId: string | null = existingMapper?.id ?? null;
          if (mapperConfig) {
            const mapper: KcComponent = {
              name: spec.groups!.name,
              providerId: 'group-ldap-mapper',
              providerType: LDAP_STORAGE_MAPPER,
              parentId: componentId,
              config: { ...(existingMapper?.config ?? {}), ...mapperConfig },
            };
            if (!existingMapper) {
              groupMapperId = await kc.createComponent(realm, mapper);
              changed = true;
              log('group mapper', `${realm}/${spec.name}/groups`, 'created');
            } else if (mapperDiff.length) {
              await kc.updateComponent(realm, existingMapper.id!, {
                ...mapper,
                id: existingMapper.id,
              });
              changed = true;
              log(
                'group mapper',
                `${realm}/${spec.name}/groups`,
                'updated',
                mapperDiff.join(', '),
              );
            } else {
              log('group mapper', `${realm}/${spec.name}/groups`, 'unchanged');
            }
          }
          return { realmCreated, componentId, groupMapperId, changed };
        },
      );

      let groups: number | undefined;
      if (ensured.changed || input.sync === 'always') {
        const userSync = await checkpointed(
          ctx,
          `keycloak.federation.${realm}.${spec.name}.sync-users`,
          async () =>
            ({
              ...(await kc.syncUserStorage(
                realm,
                ensured.componentId,
                'triggerFullSync',
              )),
            } as Record<string, number | string | boolean>),
        );
        ctx.logger.info(
          `Full sync of ${realm}/${spec.name}: ${countsLine(
            'users',
            userSync,
          )}`,
        );
        if ((userSync.failed as number) > 0) {
          ctx.logger.warn(
            `${userSync.failed} LDAP users could not be imported (a local user with the same username exists, or a required attribute is missing)`,
          );
        }
        if (ensured.groupMapperId) {
          const mapperId = ensured.groupMapperId;
          const groupSync = await checkpointed(
            ctx,
            `keycloak.federation.${realm}.${spec.name}.sync-groups`,
            async () =>
              ({
                ...(await kc.syncStorageMapper(
                  realm,
                  ensured.componentId,
                  mapperId,
                  'fedToKeycloak',
                )),
              } as Record<string, number | string | boolean>),
          );
          groups =
            ((groupSync.added as number) ?? 0) +
            ((groupSync.updated as number) ?? 0);
          ctx.logger.info(
            `Group sync of ${realm}/${spec.name}: ${countsLine(
              'groups',
              groupSync,
            )}`,
          );
        }
      } else {
        ctx.logger.info(
          `Nothing changed in ${realm}/${spec.name}: no sync (input.sync is whenChanged)`,
        );
      }
      const users = (await kc.listFederatedUsers(realm, ensured.componentId))
        .length;
      ctx.logger.info(`${realm}/${spec.name} federates ${users} users`);

      ctx.output('realm', realm);
      ctx.output('componentId', ensured.componentId);
      if (ensured.groupMapperId)
        ctx.output('groupMapperId', ensured.groupMapperId);
      ctx.output('users', users);
      if (groups !== undefined) ctx.output('groups', groups);
      ctx.output('consoleUrl', consoleUrl(ensured.componentId));
      if (options.requestCatalogRefresh) {
        await options
          .requestCatalogRefresh({})
          .catch(error =>
            ctx.logger.warn(`Catalog refresh request failed: ${error}`),
          );
      }
    },
  });
}
