import type {
  FieldExtensionComponentProps,
  FieldExtensionOptions,
} from '@backstage/plugin-scaffolder-react';
import {
  ScaffolderField,
  SecretWidget,
  type FormField,
} from '@backstage/plugin-scaffolder-react/alpha';

/** How `createFormField` of scaffolder-react 2.x marks what it makes. */
const FORM_FIELD_TYPE = '@backstage/scaffolder/FormField';
const FORM_FIELD_VERSION = 'v1';

/**
 * The options a `FormField` of the new frontend system was made with, as the scaffolder's
 * `Workflow` takes them, or `undefined` when the field is not one this app can read.
 *
 * The scaffolder's own templates sub-page makes this step with a helper it does not export
 * (`OpaqueFormField.toInternal`); a `FormField` of version `v1` is the object given to
 * `createFormField` marked with its type and version, so this reads the same four
 * properties and checks every one. Any other shape (a later version of the scaffolder)
 * makes the caller fall back to the scaffolder's own wizard rather than guess.
 */
export function fieldExtensionOf(
  field: FormField,
): FieldExtensionOptions | undefined {
  const candidate = field as unknown as Record<string, unknown>;
  const { $$type, version, name, component, validation, schema } = candidate;
  if ($$type !== FORM_FIELD_TYPE || version !== FORM_FIELD_VERSION) {
    return undefined;
  }
  if (typeof name !== 'string' || name === '') return undefined;
  if (typeof component !== 'function' && typeof component !== 'object') {
    return undefined;
  }
  if (component === null) return undefined;
  if (validation !== undefined && typeof validation !== 'function') {
    return undefined;
  }
  if (schema !== undefined && (typeof schema !== 'object' || schema === null)) {
    return undefined;
  }
  return {
    name,
    component: component as FieldExtensionOptions['component'],
    ...(validation ? { validation: validation as never } : {}),
    ...(schema ? { schema: schema as FieldExtensionOptions['schema'] } : {}),
  };
}

/**
 * The `Secret` field. The scaffolder's templates sub-page adds it from its built-in list
 * (it is no form-field extension); this is the same field for the default theme, from
 * scaffolder-react's public parts: the password input that keeps the value among the
 * template's secrets and puts only asterisks in the form.
 */
export function SecretField(props: FieldExtensionComponentProps<string>) {
  const {
    rawErrors,
    disabled,
    errors,
    required,
    uiSchema,
    schema: { description },
  } = props;
  return (
    <ScaffolderField
      rawErrors={rawErrors}
      rawDescription={
        (uiSchema?.['ui:description'] as string | undefined) ?? description
      }
      disabled={disabled}
      errors={errors}
      required={required}
    >
      <SecretWidget
        name={props.name}
        schema={props.schema}
        required={required}
        disabled={disabled}
        onChange={value => props.onChange(value)}
      />
    </ScaffolderField>
  );
}

const SECRET_FIELD: FieldExtensionOptions = {
  name: 'Secret',
  component: SecretField as FieldExtensionOptions['component'],
};

/**
 * The field extensions the scaffolder's own wizard would get: every installed form field,
 * then `Secret` unless an installed one has that name. `undefined` if any installed field
 * cannot be read (see {@link fieldExtensionOf}).
 */
export function fieldExtensionsOf(
  fields: FormField[],
): FieldExtensionOptions[] | undefined {
  const extensions: FieldExtensionOptions[] = [];
  for (const field of fields) {
    const extension = fieldExtensionOf(field);
    if (!extension) return undefined;
    extensions.push(extension);
  }
  if (!extensions.some(({ name }) => name === SECRET_FIELD.name)) {
    extensions.push(SECRET_FIELD);
  }
  return extensions;
}
