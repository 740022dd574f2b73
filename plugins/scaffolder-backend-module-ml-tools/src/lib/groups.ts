import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

const SEGMENT = /^[^/\s][^/]*$/;

/**
 * Turns a group reference from a form into a Keycloak group path: a catalog Group ref
 * (`group:default/data-science` → `/data-science`), a path (`/a/b`) or a bare name.
 */
export function toGroupPath(value: string, field: string): string {
  const trimmed = value.trim();
  let path: string;
  if (trimmed.startsWith('/')) {
    path = trimmed;
  } else if (trimmed.includes(':')) {
    let ref;
    try {
      ref = parseEntityRef(trimmed);
    } catch {
      throw new InputError(
        `Invalid input: ${field} "${value}" is not an entity ref`,
      );
    }
    if (ref.kind.toLocaleLowerCase('en-US') !== 'group') {
      throw new InputError(
        `Invalid input: ${field} "${value}" is not a Group entity`,
      );
    }
    path = `/${ref.name}`;
  } else {
    path = `/${trimmed}`;
  }
  const segments = path.split('/').slice(1);
  if (segments.length === 0 || !segments.every(s => SEGMENT.test(s))) {
    throw new InputError(
      `Invalid input: ${field} "${value}" is not a valid group path`,
    );
  }
  return `/${segments.join('/')}`;
}

/**
 * Normalises a role mapping: known roles only, group refs turned into paths, sorted
 * and de-duplicated; roles without groups get their defaults.
 */
export function normaliseRoleMappings(
  mappings: Record<string, string[]> | undefined,
  roles: Array<{ name: string; defaultGroups?: Array<'owner'> }>,
  ownerName: string,
  field: string,
): Record<string, string[]> {
  const known = roles.map(r => r.name);
  for (const role of Object.keys(mappings ?? {})) {
    if (!known.includes(role)) {
      throw new InputError(
        `Invalid input: ${field}.${role} is not a role of this tool; roles: ${known.join(
          ', ',
        )}`,
      );
    }
  }
  const result: Record<string, string[]> = {};
  for (const role of roles) {
    const given = mappings?.[role.name];
    const paths =
      given && given.length > 0
        ? given.map((g, i) => toGroupPath(g, `${field}.${role.name}[${i}]`))
        : (role.defaultGroups ?? []).map(() => `/${ownerName}`);
    result[role.name] = [...new Set(paths)].sort();
  }
  return result;
}
