import type { RealmStore } from '../realmStore';
import { badRequest } from '../http';

type Json = Record<string, unknown>;

const BOTH = { view: ['admin', 'user'], edit: ['admin', 'user'] };

function nameAttribute(name: string): Json {
  return {
    name,
    displayName: `\${${name}}`,
    validations: {
      length: { max: 255 },
      'person-name-prohibited-characters': {},
    },
    required: { roles: ['user'] },
    permissions: BOTH,
    multivalued: false,
  };
}

/** The declarative user profile a fresh Keycloak 26 realm starts with. */
export function defaultUserProfile(): Json {
  return {
    attributes: [
      {
        name: 'username',
        displayName: '${username}',
        validations: {
          length: { min: 3, max: 255 },
          'username-prohibited-characters': {},
          'up-username-not-idn-homograph': {},
        },
        permissions: BOTH,
        multivalued: false,
      },
      {
        name: 'email',
        displayName: '${email}',
        validations: { email: {}, length: { max: 255 } },
        required: { roles: ['user'] },
        permissions: BOTH,
        multivalued: false,
      },
      nameAttribute('firstName'),
      nameAttribute('lastName'),
    ],
    groups: [
      {
        name: 'user-metadata',
        displayHeader: 'User metadata',
        displayDescription: 'Attributes, which refer to user metadata',
      },
    ],
  };
}

/** The realm's user profile: the stored one, or the default. */
export function userProfileOf(realm: RealmStore): Json {
  return structuredClone(realm.state.userProfile ?? defaultUserProfile());
}

const POLICIES = ['ENABLED', 'ADMIN_VIEW', 'ADMIN_EDIT'];

/**
 * Replaces the realm's user profile. Keycloak refuses a profile without the `username`
 * and `email` attributes, and an unknown unmanaged-attribute policy.
 */
export function setUserProfile(realm: RealmStore, body: Json): Json {
  const attributes = body.attributes;
  if (!Array.isArray(attributes)) {
    throw badRequest('attributes: the user profile needs a list of attributes');
  }
  const names = new Set(
    attributes.map(a => (a as Json | null)?.name).filter(Boolean),
  );
  for (const required of ['username', 'email']) {
    if (!names.has(required)) {
      throw badRequest(
        `attributes: the "${required}" attribute cannot be removed`,
      );
    }
  }
  const policy = body.unmanagedAttributePolicy;
  if (
    policy !== undefined &&
    policy !== null &&
    !POLICIES.includes(String(policy))
  ) {
    throw badRequest(
      `unmanagedAttributePolicy: must be one of ${POLICIES.join(', ')}`,
    );
  }
  const stored: Json = { attributes, groups: body.groups ?? [] };
  if (policy) stored.unmanagedAttributePolicy = policy;
  realm.state.userProfile = structuredClone(stored);
  return stored;
}

/** `GET /users/profile/metadata`: the profile as the account and admin forms read it. */
export function userProfileMetadata(realm: RealmStore): Json {
  const profile = userProfileOf(realm);
  return {
    attributes: (profile.attributes as Json[]).map(a => ({
      name: a.name,
      displayName: a.displayName,
      required: Boolean(a.required),
      readOnly: false,
      validators: a.validations ?? {},
      multivalued: Boolean(a.multivalued),
      ...(a.group ? { group: a.group } : {}),
    })),
    groups: profile.groups ?? [],
  };
}
