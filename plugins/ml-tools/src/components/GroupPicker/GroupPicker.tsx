import { useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { useApi, useApiHolder } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  entityPresentationApiRef,
} from '@backstage/plugin-catalog-react';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { ScaffolderField } from '@backstage/plugin-scaffolder-react/alpha';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { GROUP_TITLE_FIELDS, groupTitle } from '../groupTitles';

/**
 * Name of the group picker in templates: `ui:field: MlToolsGroupPicker`.
 *
 * @public
 */
export const GROUP_PICKER_FIELD_NAME = 'MlToolsGroupPicker';

/** A Group the picker offers: its ref (the value) and the title people read. */
interface GroupOption {
  ref: string;
  title: string;
}

/**
 * The value of the group picker: one group ref, or several for an `array` parameter.
 *
 * @public
 */
export type GroupPickerValue = string | string[];

/**
 * The Groups of the catalog with their titles, sorted by title. A group titled with its
 * path (`/team-a/vision`) sorts next to its parent.
 */
function useGroupOptions(): { options: GroupOption[]; loading: boolean } {
  const catalogApi = useApi(catalogApiRef);
  // The app's presentation of entities where it has one (as the catalog shows them).
  const presentationApi = useApiHolder().get(entityPresentationApiRef);
  const { value, loading } = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'Group' },
      fields: GROUP_TITLE_FIELDS,
    });
    const options = await Promise.all(
      items.map(entity => groupTitle(entity, presentationApi)),
    );
    return options.sort((a, b) => a.title.localeCompare(b.title, 'en-US'));
  }, [catalogApi, presentationApi]);
  return { options: value ?? [], loading };
}

/**
 * What a typed value stands for: a Keycloak group path (`/team-b/new`, created on deploy
 * if missing) stays as typed; a name or ref becomes a Group ref.
 */
function typedValue(text: string): string {
  const value = text.trim();
  if (value.startsWith('/')) return value;
  try {
    return stringifyEntityRef(
      parseEntityRef(value, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return value;
  }
}

/**
 * Form field of the ML tools templates that picks catalog Groups by their title (with
 * the Keycloak catalog module of this portal, the group's full path), for one group or,
 * on an `array` parameter, several. The value stays the group's entity ref, as the
 * actions expect it.
 *
 * @public
 */
export function GroupPicker(
  props: FieldExtensionComponentProps<GroupPickerValue>,
) {
  const {
    onChange,
    schema: { title, description },
    uiSchema,
    required,
    rawErrors,
    formData,
    idSchema,
    errors,
  } = props;
  const multiple = props.schema.type === 'array';
  const disabled = Boolean(uiSchema?.['ui:disabled']);
  // As the catalog's entity pickers: typed values are allowed unless the template says no.
  const freeSolo = uiSchema?.['ui:options']?.allowArbitraryValues !== false;
  const { options, loading } = useGroupOptions();

  const byRef = useMemo(() => new Map(options.map(o => [o.ref, o])), [options]);
  // A ref the catalog does not list (yet) still shows, as itself.
  const optionOf = (ref: string): GroupOption =>
    byRef.get(ref) ?? { ref, title: ref };

  const refs = (Array.isArray(formData) ? formData : [formData]).filter(
    (r): r is string => typeof r === 'string' && r !== '',
  );
  const selected = multiple ? refs.map(optionOf) : optionOf(refs[0] ?? '');
  const unlisted = refs.filter(ref => !byRef.has(ref)).map(optionOf);

  return (
    <ScaffolderField
      rawErrors={rawErrors}
      rawDescription={uiSchema?.['ui:description'] ?? description}
      required={required}
      disabled={disabled}
      errors={errors}
    >
      <Autocomplete<GroupOption, boolean, false, boolean>
        id={idSchema?.$id}
        freeSolo={freeSolo}
        autoSelect={freeSolo}
        multiple={multiple}
        filterSelectedOptions={multiple}
        disabled={disabled}
        loading={loading}
        options={unlisted.length ? [...options, ...unlisted] : options}
        value={multiple || refs.length > 0 ? selected : null}
        getOptionLabel={option =>
          typeof option === 'string' ? option : option.title
        }
        getOptionSelected={(option, value) => option.ref === value.ref}
        onChange={(_event, value) => {
          const refOf = (v: GroupOption | string) =>
            typeof v === 'string' ? typedValue(v) : v.ref;
          if (Array.isArray(value)) onChange(value.map(refOf));
          else onChange(value ? refOf(value) : (undefined as never));
        }}
        renderInput={params => (
          <TextField
            {...params}
            label={title}
            margin="dense"
            variant="outlined"
            required={required && refs.length === 0}
            disabled={disabled}
          />
        )}
      />
    </ScaffolderField>
  );
}
