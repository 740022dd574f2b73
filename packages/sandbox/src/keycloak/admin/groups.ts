import {
  boolParam,
  created,
  intParam,
  jsonBody,
  noContent,
  notFound,
  ok,
  paginate,
  type RequestContext,
} from '../http';
import type { GroupState } from '../model';
import { compareText, type RealmStore } from '../realmStore';
import { groupRep, userRep } from '../representations';
import { parseSearchQuery } from './clients';
import { registerRoleMappings } from './roles';
import {
  locationOf,
  page,
  registerItemRoutes,
  type AdminCall,
  type AdminRoutes,
} from './types';

const R = '/admin/realms/:realm';

type Json = Record<string, unknown>;

/**
 * Nests each matching group inside its ancestors, with no unrelated siblings, and returns
 * the top-level ancestors ordered by name: the shape of a group search.
 */
export function groupHierarchy(
  realm: RealmStore,
  matches: GroupState[],
  opts: { full: boolean; subGroupCount: boolean },
): Json[] {
  const reps = new Map<string, Json>();
  const repOf = (g: GroupState) => {
    let rep = reps.get(g.id);
    if (!rep) {
      rep = groupRep(realm, g, {
        full: opts.full,
        subGroupCount: opts.subGroupCount,
      });
      reps.set(g.id, rep);
    }
    return rep;
  };
  const roots = new Map<string, Json>();
  for (const match of matches) {
    let current = match;
    let rep = repOf(current);
    while (current.parentId) {
      const parent = realm.state.groups[current.parentId];
      if (!parent) break;
      const parentRep = repOf(parent);
      const subGroups = parentRep.subGroups as Json[];
      if (!subGroups.includes(rep)) subGroups.push(rep);
      current = parent;
      rep = parentRep;
    }
    roots.set(current.id, rep);
  }
  return [...roots.values()].sort((a, b) =>
    (a.name as string) < (b.name as string) ? -1 : 1,
  );
}

function matchesName(name: string, search: string, exact: boolean): boolean {
  return exact
    ? name === search
    : name.toLowerCase().includes(search.toLowerCase());
}

function matchesAttributes(
  group: GroupState,
  wanted: Record<string, string>,
): boolean {
  return Object.entries(wanted).every(([k, v]) =>
    group.attributes[k]?.includes(v),
  );
}

function allGroupsByName(realm: RealmStore): GroupState[] {
  return Object.values(realm.state.groups).sort((a, b) =>
    compareText(a.name, b.name),
  );
}

/**
 * `GET /groups`. Without `search` or `q` it is the top level, paged by either bound alone
 * and with no default page size; subgroups are not inlined (`subGroupCount` tells how many
 * there are). With `search` (case-insensitive substring, or exact with `exact=true`) or
 * `q` (attributes) it matches over the whole tree, orders the matches by name, pages the
 * matches, then returns their top-level ancestors with the matches nested inside.
 */
function listGroups(ctx: RequestContext, realm: RealmStore) {
  const search = ctx.query.get('search');
  const q = ctx.query.get('q');
  const exact = boolParam(ctx, 'exact', false);
  const first = intParam(ctx, 'first');
  const max = intParam(ctx, 'max');
  const full = !boolParam(ctx, 'briefRepresentation', true);
  const populateHierarchy = boolParam(ctx, 'populateHierarchy', true);
  const subGroupCount = boolParam(ctx, 'subGroupsCount', true);

  if (q === null && search === null) {
    const top = paginate(realm.childGroups(undefined), first, max);
    return ok(top.map(g => groupRep(realm, g, { full, subGroupCount })));
  }
  let matches: GroupState[];
  if (q !== null) {
    const wanted = parseSearchQuery(q);
    matches = allGroupsByName(realm).filter(g => matchesAttributes(g, wanted));
  } else {
    const needle = search!.trim();
    matches = allGroupsByName(realm).filter(g =>
      matchesName(g.name, needle, exact),
    );
  }
  const matchPage = paginate(matches, first, max);
  if (!populateHierarchy) {
    return ok(matchPage.map(g => groupRep(realm, g, { full, subGroupCount })));
  }
  return ok(groupHierarchy(realm, matchPage, { full, subGroupCount }));
}

/** Groups and their tree, members and role mappings; the group-by-path lookup. */
export function registerGroups(routes: AdminRoutes): void {
  routes.add(
    'GET',
    `${R}/groups`,
    { area: 'groups', list: true },
    (ctx, call) => listGroups(ctx, call.realm),
  );
  routes.add(
    'GET',
    `${R}/groups/count`,
    { area: 'groups', list: true },
    (ctx, call) => {
      const search = ctx.query.get('search');
      let count: number;
      if (search !== null) {
        // `top` is ignored when searching, as Keycloak ignores it.
        count = Object.values(call.realm.state.groups).filter(g =>
          matchesName(g.name, search.trim(), false),
        ).length;
      } else if (boolParam(ctx, 'top', false)) {
        count = call.realm.subGroupCount('');
      } else {
        count = Object.keys(call.realm.state.groups).length;
      }
      return ok({ count });
    },
  );
  routes.add(
    'POST',
    `${R}/groups`,
    { area: 'groups', write: true },
    (ctx, call) => {
      const body = jsonBody(ctx);
      if (typeof body.id === 'string') {
        // An existing id moves that group to the top level.
        const group = call.realm.state.groups[body.id];
        if (!group) throw notFound('Could not find child by id');
        call.realm.moveGroup(group, undefined);
        return noContent();
      }
      const group = call.realm.createGroup(body);
      return created(locationOf(ctx, group.id));
    },
  );

  const groupOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.group(ctx.params.id);
  registerItemRoutes(routes, `${R}/groups/:id`, 'groups', {
    of: groupOf,
    rep: (call, group) =>
      groupRep(call.realm, group, { full: true, subGroupCount: true }),
    update: (call, group, body) => call.realm.updateGroup(group, body),
    remove: (call, group) => call.realm.deleteGroup(group),
  });

  // Children: Keycloak 26 pages them 0..10 by default and answers full representations.
  routes.add(
    'GET',
    `${R}/groups/:id/children`,
    { area: 'groups' },
    (ctx, call) => {
      const parent = groupOf(call, ctx);
      const search = ctx.query.get('search');
      const exact = boolParam(ctx, 'exact', false);
      const full = !boolParam(ctx, 'briefRepresentation', false);
      const subGroupCount = boolParam(ctx, 'subGroupsCount', true);
      let children = call.realm.childGroups(parent.id);
      if (search)
        children = children.filter(g => matchesName(g.name, search, exact));
      return ok(
        page(ctx, children, { absentMax: 10 }).map(g =>
          groupRep(call.realm, g, { full, subGroupCount }),
        ),
      );
    },
  );
  routes.add(
    'POST',
    `${R}/groups/:id/children`,
    { area: 'groups', write: true },
    (ctx, call) => {
      const parent = groupOf(call, ctx);
      const body = jsonBody(ctx);
      if (typeof body.id === 'string') {
        const child = call.realm.state.groups[body.id];
        if (!child) throw notFound('Could not find child by id');
        call.realm.moveGroup(child, parent);
        return { status: 204 };
      }
      const child = call.realm.createGroup(body, parent);
      // This create, unlike the top-level one, answers with the group (and no count).
      return created(
        `${ctx.baseUrl}/admin/realms/${encodeURIComponent(
          call.realm.name,
        )}/groups/${child.id}`,
        groupRep(call.realm, child, { full: true }),
      );
    },
  );
  routes.add(
    'GET',
    `${R}/groups/:id/members`,
    { area: 'groups' },
    (ctx, call) => {
      const group = groupOf(call, ctx);
      const brief = boolParam(ctx, 'briefRepresentation', false);
      return ok(
        page(ctx, call.realm.groupMembers(group.id), { absentMax: 100 }).map(
          u => userRep(u, brief),
        ),
      );
    },
  );
  registerRoleMappings(routes, `${R}/groups/:id`, 'groups', (call, ctx) => {
    const group = groupOf(call, ctx);
    return {
      roleIds: group.roleIds,
      effective: () =>
        call.realm.expandRoles([
          ...group.roleIds,
          ...call.realm.ancestors(group).flatMap(a => a.roleIds),
        ]),
    };
  });

  routes.add(
    'GET',
    `${R}/group-by-path/*path`,
    { area: 'groups' },
    (ctx, call) => {
      const group = call.realm.groupByPath(ctx.params.path);
      if (!group) throw notFound('Group path does not exist');
      return ok(
        groupRep(call.realm, group, { full: true, subGroupCount: true }),
      );
    },
  );
}
