import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type {
  KcGroup,
  KeycloakGateway,
} from '@ml-platform/plugin-ml-tools-node';

const SEGMENT = /^[^/\s][^/]*$/;

/**
 * One group of a role mapping as the form gave it: an explicit Keycloak path, or the
 * name of a catalog Group entity that still has to be found in the Keycloak tree.
 */
export type GroupSelector =
  | { kind: 'path'; path: string }
  | { kind: 'name'; name: string; value: string };

/** A role mapping before group names are resolved to paths. */
export type RoleMappingSelectors = Record<string, GroupSelector[]>;

function assertPath(path: string, value: string, field: string): string {
  const segments = path.split('/').slice(1);
  if (segments.length === 0 || segments.some(s => s === '')) {
    throw new InputError(
      `Invalid input: ${field} "${value}" has an empty segment: a group path is '/' followed by group names separated by single '/'`,
    );
  }
  if (!segments.every(s => SEGMENT.test(s))) {
    throw new InputError(
      `Invalid input: ${field} "${value}" has a group name starting with a space`,
    );
  }
  return `/${segments.join('/')}`;
}

/**
 * Reads a group reference from a form: a path (`/a/b`) is kept as given; a catalog Group
 * ref (`group:default/vision`) or a bare name (`vision`) names a group that may sit
 * anywhere in the Keycloak tree, so only its name is kept for {@link resolveRoleMappings}.
 */
export function toGroupSelector(value: string, field: string): GroupSelector {
  const trimmed = value.trim();
  if (trimmed.startsWith('/')) {
    return { kind: 'path', path: assertPath(trimmed, value, field) };
  }
  let name = trimmed;
  if (trimmed.includes(':')) {
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
    name = ref.name;
  }
  assertPath(`/${name}`, value, field);
  return { kind: 'name', name, value };
}

/**
 * Checks a role mapping: known roles only, group refs read with
 * {@link toGroupSelector}; roles without groups get their defaults (the owner's Group
 * entity, resolved like any other ref).
 */
export function normaliseRoleMappings(
  mappings: Record<string, string[]> | undefined,
  roles: Array<{ name: string; defaultGroups?: Array<'owner'> }>,
  owner: { name: string; ref: string },
  field: string,
): RoleMappingSelectors {
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
  const result: RoleMappingSelectors = {};
  for (const role of roles) {
    const given = mappings?.[role.name];
    result[role.name] =
      given && given.length > 0
        ? given.map((g, i) => toGroupSelector(g, `${field}.${role.name}[${i}]`))
        : (role.defaultGroups ?? []).map(() => ({
            kind: 'name' as const,
            name: owner.name,
            value: owner.ref,
          }));
  }
  return result;
}

/**
 * The entity name the community Keycloak catalog module
 * (`@backstage-community/plugin-catalog-backend-module-keycloak`, default
 * `sanitizeGroupNameTransformer`) gives a Keycloak group: its own name, not its path,
 * with characters outside `[a-zA-Z0-9-_.]` replaced by `-`.
 */
export function groupEntityName(keycloakName: string): string {
  return keycloakName.replace(/[^a-zA-Z0-9\-_.]/g, '-');
}

/**
 * A search term every Keycloak name that sanitises to `name` contains: the longest run
 * without `-` (a `-` may stand for any replaced character).
 */
function searchTermOf(name: string): string {
  return name
    .split('-')
    .reduce((best, part) => (part.length > best.length ? part : best), '');
}

/** Result of {@link resolveRoleMappings}. */
export interface ResolvedRoleMappings {
  /** Role → group paths, sorted and de-duplicated. */
  roleMappings: Record<string, string[]>;
  /** The existing groups names resolved to, by path; spares ensureGroups a lookup. */
  groups: Map<string, KcGroup>;
}

/**
 * Turns group names into Keycloak paths with one read per distinct name, before any
 * write: exactly one group anywhere in the tree whose name maps to the entity name (and
 * that the mapping does not already name by path) →
 * its path (so a subgroup such as `/data-scientists/vision` is used, not shadowed by a
 * new top-level group); none → a new top-level group `/<name>`; several → an
 * InputError naming the field and the candidate paths, so the person can pick a path.
 */
export async function resolveRoleMappings(
  kc: Pick<KeycloakGateway, 'findGroupsByName'>,
  selectors: RoleMappingSelectors,
  field: string,
): Promise<ResolvedRoleMappings> {
  const names = new Set<string>();
  // Groups the mapping names by path are spoken for: a name never resolves to them. Without
  // this, a run that creates `/analysts/vision` next to `group:default/vision` would make
  // its own re-run ambiguous.
  const explicitPaths = new Set<string>();
  for (const list of Object.values(selectors)) {
    for (const s of list) {
      if (s.kind === 'name') names.add(s.name.toLocaleLowerCase('en-US'));
      else explicitPaths.add(s.path);
    }
  }
  const candidates = new Map<string, KcGroup[]>();
  await Promise.all(
    [...names].map(async name => {
      const term = searchTermOf(name);
      const found = term ? await kc.findGroupsByName(term) : [];
      // Backstage compares entity names case-insensitively.
      candidates.set(
        name,
        found
          .filter(
            g =>
              g.path &&
              !explicitPaths.has(g.path) &&
              groupEntityName(g.name).toLocaleLowerCase('en-US') === name,
          )
          .sort((a, b) => a.path!.localeCompare(b.path!)),
      );
    }),
  );
  const groups = new Map<string, KcGroup>();
  const roleMappings: Record<string, string[]> = {};
  for (const [role, list] of Object.entries(selectors)) {
    const paths = list.map(s => {
      if (s.kind === 'path') return s.path;
      const found = candidates.get(s.name.toLocaleLowerCase('en-US')) ?? [];
      if (found.length > 1) {
        throw new InputError(
          `Invalid input: ${field}.${role}: "${s.value}" matches ${
            found.length
          } Keycloak groups (${found
            .map(g => g.path)
            .join(', ')}); give the group's path instead`,
        );
      }
      if (found.length === 1) {
        groups.set(found[0].path!, found[0]);
        return found[0].path!;
      }
      return `/${s.name}`;
    });
    roleMappings[role] = [...new Set(paths)].sort();
  }
  return { roleMappings, groups };
}
