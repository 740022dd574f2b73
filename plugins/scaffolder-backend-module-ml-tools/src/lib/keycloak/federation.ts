import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
  userFederationEntityName,
} from '@ml-platform/plugin-ml-tools-common';
import type { OwnedInstance } from '../access';
import type { KcComponent } from '@ml-platform/plugin-ml-tools-node';

/** Keycloak's provider type of user federations. */
export const USER_STORAGE_PROVIDER = 'org.keycloak.storage.UserStorageProvider';
/** Keycloak's provider type of LDAP federation mappers. */
export const LDAP_STORAGE_MAPPER =
  'org.keycloak.storage.ldap.mappers.LDAPStorageMapper';
/** What Keycloak answers in place of a secret config value. */
export const MASKED_SECRET = '**********';

/** Directory vendors the form offers, as Keycloak's admin console presets them. */
export const LDAP_VENDORS = [
  'openldap',
  'ad',
  'rhds',
  'tivoli',
  'edirectory',
  'other',
] as const;

/** One of {@link LDAP_VENDORS}. */
export type LdapVendor = (typeof LDAP_VENDORS)[number];

/** The attribute mappings Keycloak fills in for a vendor. */
export interface LdapVendorPreset {
  /** Keycloak's `vendor` config value. */
  vendor: string;
  usernameAttribute: string;
  rdnAttribute: string;
  uuidAttribute: string;
  userObjectClasses: string;
  groupObjectClasses: string;
  /** The user attribute a `UID` membership names. */
  membershipUserAttribute: string;
}

const INET_ORG = 'inetOrgPerson, organizationalPerson';

/**
 * Keycloak's presets per vendor (its admin console fills these in when the vendor is
 * picked). OpenLDAP is Keycloak's "Other" vendor.
 */
export const LDAP_VENDOR_PRESETS: Readonly<
  Record<LdapVendor, LdapVendorPreset>
> = Object.freeze({
  openldap: {
    vendor: 'other',
    usernameAttribute: 'uid',
    rdnAttribute: 'uid',
    uuidAttribute: 'entryUUID',
    userObjectClasses: INET_ORG,
    groupObjectClasses: 'groupOfNames',
    membershipUserAttribute: 'uid',
  },
  other: {
    vendor: 'other',
    usernameAttribute: 'uid',
    rdnAttribute: 'uid',
    uuidAttribute: 'entryUUID',
    userObjectClasses: INET_ORG,
    groupObjectClasses: 'groupOfNames',
    membershipUserAttribute: 'uid',
  },
  ad: {
    vendor: 'ad',
    usernameAttribute: 'cn',
    rdnAttribute: 'cn',
    uuidAttribute: 'objectGUID',
    userObjectClasses: 'person, organizationalPerson, user',
    groupObjectClasses: 'group',
    membershipUserAttribute: 'cn',
  },
  rhds: {
    vendor: 'rhds',
    usernameAttribute: 'uid',
    rdnAttribute: 'uid',
    uuidAttribute: 'nsuniqueid',
    userObjectClasses: INET_ORG,
    groupObjectClasses: 'groupOfNames',
    membershipUserAttribute: 'uid',
  },
  tivoli: {
    vendor: 'tivoli',
    usernameAttribute: 'uid',
    rdnAttribute: 'uid',
    uuidAttribute: 'uniqueidentifier',
    userObjectClasses: INET_ORG,
    groupObjectClasses: 'groupOfNames',
    membershipUserAttribute: 'uid',
  },
  edirectory: {
    vendor: 'edirectory',
    usernameAttribute: 'uid',
    rdnAttribute: 'uid',
    uuidAttribute: 'guid',
    userObjectClasses: INET_ORG,
    groupObjectClasses: 'groupOfNames',
    membershipUserAttribute: 'uid',
  },
});

/** The federation settings of the form, after presets (no secret here). */
export interface FederationSpec {
  name: string;
  vendor: LdapVendor;
  connectionUrl: string;
  bindDn: string;
  usersDn: string;
  usernameAttribute: string;
  rdnAttribute: string;
  uuidAttribute: string;
  userObjectClasses: string;
  userSearchFilter?: string;
  searchScope: 'one' | 'subtree';
  editMode: 'READ_ONLY' | 'WRITABLE' | 'UNSYNCED';
  startTls: boolean;
  connectionTimeoutMs?: number;
  owner: string;
  groups?: {
    name: string;
    dn: string;
    nameAttribute: string;
    objectClasses: string;
    membershipAttribute: string;
    membershipAttributeType: 'DN' | 'UID';
    membershipUserAttribute: string;
    filter?: string;
    mode: 'READ_ONLY' | 'LDAP_ONLY' | 'IMPORT';
    path: string;
  };
}

function marks(spec: FederationSpec): Record<string, string[]> {
  return {
    [KEYCLOAK_ATTRIBUTES.managedBy]: [ML_PLATFORM_MANAGER],
    [KEYCLOAK_ATTRIBUTES.owner]: [spec.owner],
  };
}

/**
 * The provider's config we decide, secret left out. Keycloak keeps other keys of its own
 * (such as `lastSync`); they are left as they are.
 */
export function providerConfig(spec: FederationSpec): Record<string, string[]> {
  const config: Record<string, string[]> = {
    enabled: ['true'],
    priority: ['0'],
    vendor: [LDAP_VENDOR_PRESETS[spec.vendor].vendor],
    connectionUrl: [spec.connectionUrl],
    authType: ['simple'],
    bindDn: [spec.bindDn],
    startTls: [String(spec.startTls)],
    useTruststoreSpi: ['always'],
    connectionPooling: ['true'],
    usersDn: [spec.usersDn],
    usernameLDAPAttribute: [spec.usernameAttribute],
    rdnLDAPAttribute: [spec.rdnAttribute],
    uuidLDAPAttribute: [spec.uuidAttribute],
    userObjectClasses: [spec.userObjectClasses],
    customUserSearchFilter: [spec.userSearchFilter ?? ''],
    searchScope: [spec.searchScope === 'subtree' ? '2' : '1'],
    editMode: [spec.editMode],
    importEnabled: ['true'],
    syncRegistrations: [String(spec.editMode === 'WRITABLE')],
    pagination: ['true'],
    batchSizeForSync: ['1000'],
    fullSyncPeriod: ['-1'],
    changedSyncPeriod: ['-1'],
    cachePolicy: ['DEFAULT'],
    trustEmail: ['false'],
    validatePasswordPolicy: ['false'],
    allowKerberosAuthentication: ['false'],
    useKerberosForPasswordAuthentication: ['false'],
    ...marks(spec),
  };
  if (spec.connectionTimeoutMs !== undefined) {
    config.connectionTimeout = [String(spec.connectionTimeoutMs)];
  }
  return config;
}

/** The group mapper's config, or undefined when the form maps no groups. */
export function groupMapperConfig(
  spec: FederationSpec,
): Record<string, string[]> | undefined {
  const g = spec.groups;
  if (!g) return undefined;
  return {
    'groups.dn': [g.dn],
    'group.name.ldap.attribute': [g.nameAttribute],
    'group.object.classes': [g.objectClasses],
    'preserve.group.inheritance': ['true'],
    'ignore.missing.groups': ['false'],
    'membership.ldap.attribute': [g.membershipAttribute],
    'membership.attribute.type': [g.membershipAttributeType],
    'membership.user.ldap.attribute': [g.membershipUserAttribute],
    'groups.ldap.filter': [g.filter ?? ''],
    mode: [g.mode],
    'user.roles.retrieve.strategy': ['LOAD_GROUPS_BY_MEMBER_ATTRIBUTE'],
    'memberof.ldap.attribute': ['memberOf'],
    'mapped.group.attributes': [''],
    'drop.non.existing.groups.during.sync': ['false'],
    'groups.path': [g.path],
    ...marks(spec),
  };
}

/** Keys of `wanted` whose first value differs in `actual`. */
export function changedKeys(
  wanted: Record<string, string[]>,
  actual: Record<string, string[]> | undefined,
): string[] {
  return Object.keys(wanted)
    .filter(k => (wanted[k][0] ?? '') !== (actual?.[k]?.[0] ?? ''))
    .sort();
}

/** Whether a component carries our mark. */
export function isOurComponent(component: KcComponent | undefined): boolean {
  return (
    component?.config?.[KEYCLOAK_ATTRIBUTES.managedBy]?.[0] ===
    ML_PLATFORM_MANAGER
  );
}

/** A federation we made, as far as who may change it goes. */
export function federationOwnership(
  realm: string,
  component: KcComponent,
): OwnedInstance {
  return {
    ref: `${realm}/${component.name}`,
    entityRef: stringifyEntityRef({
      kind: 'Resource',
      namespace: 'default',
      name: userFederationEntityName(realm, component.name),
    }),
    owner: component.config[KEYCLOAK_ATTRIBUTES.owner]?.[0] ?? '',
  };
}
