import { useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import type { Entity } from '@backstage/catalog-model';
import { useApi, useApiHolder } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  entityPresentationApiRef,
} from '@backstage/plugin-catalog-react';
import {
  ReviewState,
  type ReviewStateProps,
} from '@backstage/plugin-scaffolder-react/alpha';
import { GROUP_TITLE_FIELDS, groupTitle } from '../groupTitles';

type JsonObject = ReviewStateProps['formState'];
type JsonValue = JsonObject[string];

/** A Group's entity ref as the pickers store it: `group:<namespace>/<name>`. */
const GROUP_REF = /^group:[^:/\s]+\/[^/\s]+$/i;

function isGroupRef(value: unknown): value is string {
  return typeof value === 'string' && GROUP_REF.test(value);
}

/**
 * Whether a top-level property of the form carries its own display names (`enum` with
 * `enumNames`, for itself or its items): the review step then maps the stored value by
 * itself, so it must see that value unchanged.
 */
function hasEnumNames(key: string, schemas: ReviewStateProps['schemas']) {
  return schemas.some(step => {
    const property = (step.mergedSchema.properties as JsonObject | undefined)?.[
      key
    ] as JsonObject | undefined;
    const items = property?.items as JsonObject | undefined;
    return Boolean(property?.enumNames || items?.enumNames);
  });
}

/** Every group ref in a form value, however deep. */
function collectGroupRefs(value: JsonValue | undefined, into: Set<string>) {
  if (isGroupRef(value)) into.add(value.toLocaleLowerCase('en-US'));
  else if (Array.isArray(value)) value.forEach(v => collectGroupRefs(v, into));
  else if (value && typeof value === 'object') {
    Object.values(value).forEach(v => collectGroupRefs(v, into));
  }
}

/** The value with each group ref replaced by its title, where one is known. */
function withTitles(
  value: JsonValue | undefined,
  titles: ReadonlyMap<string, string>,
): JsonValue | undefined {
  if (isGroupRef(value)) {
    return titles.get(value.toLocaleLowerCase('en-US')) ?? value;
  }
  if (Array.isArray(value)) return value.map(v => withTitles(v, titles)!);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withTitles(v, titles)!]),
    );
  }
  return value;
}

const EMPTY: ReadonlyMap<string, string> = new Map();

/**
 * The titles of the given Group refs (lower-cased ref to title), read from the catalog
 * in one batch and presented as the app presents entities (the group pickers do the
 * same, so the review shows what the person picked). Unknown refs are left out.
 */
function useGroupTitles(refs: string[]): ReadonlyMap<string, string> {
  const catalogApi = useApi(catalogApiRef);
  const presentationApi = useApiHolder().get(entityPresentationApiRef);
  const key = refs.join('\n');
  const { value } = useAsync(async () => {
    if (refs.length === 0) return new Map<string, string>();
    const { items } = await catalogApi.getEntitiesByRefs({
      entityRefs: refs,
      fields: GROUP_TITLE_FIELDS,
    });
    const entries = await Promise.all(
      items
        .filter((entity): entity is Entity => Boolean(entity))
        .map(async entity => {
          const { ref, title } = await groupTitle(entity, presentationApi);
          return [ref.toLocaleLowerCase('en-US'), title] as const;
        }),
    );
    return new Map(entries);
    // `key` stands for `refs`: one catalog call per distinct set of refs.
  }, [catalogApi, presentationApi, key]); // eslint-disable-line react-hooks/exhaustive-deps
  return value ?? EMPTY;
}

/**
 * The scaffolder's review of a template's answers, with every catalog Group ref
 * (`group:default/vision`, alone or in a list) shown by the group's title: with the
 * Keycloak catalog module of this portal, its full path (`/data-scientists/vision`), as
 * the group pickers show it. A ref the catalog does not know stays as it is. Everything
 * else (secret masking, `ui:backstage.review` options, `enumNames`) is the scaffolder's
 * own `ReviewState`, which renders the result. Pass it to `Workflow` or `Stepper` as
 * `components.ReviewStateComponent`.
 *
 * @alpha
 */
export function MlToolsReviewState(props: ReviewStateProps) {
  const { formState, schemas } = props;
  const refs = useMemo(() => {
    const found = new Set<string>();
    for (const [key, value] of Object.entries(formState)) {
      if (!hasEnumNames(key, schemas)) collectGroupRefs(value, found);
    }
    return [...found].sort();
  }, [formState, schemas]);
  const titles = useGroupTitles(refs);
  const shown = useMemo(
    () =>
      Object.fromEntries(
        Object.entries(formState).map(([key, value]) => [
          key,
          hasEnumNames(key, schemas) ? value : withTitles(value, titles)!,
        ]),
      ) as JsonObject,
    [formState, schemas, titles],
  );
  return <ReviewState schemas={schemas} formState={shown} />;
}
