import {
  createFormField,
  type FormField,
} from '@backstage/plugin-scaffolder-react/alpha';
import {
  SecretField,
  fieldExtensionOf,
  fieldExtensionsOf,
} from './formFieldExtensions';

const Picker = () => null;
const validation = jest.fn();

describe('fieldExtensionOf', () => {
  it('reads what createFormField of the installed scaffolder-react made', () => {
    const schema = {
      returnValue: { type: 'string' as const },
      uiOptions: { type: 'object' as const, properties: {} },
    };
    const field = createFormField({
      name: 'GroupPicker',
      component: Picker,
      validation,
      schema: schema as never,
    });
    expect(fieldExtensionOf(field)).toEqual({
      name: 'GroupPicker',
      component: Picker,
      validation,
      schema,
    });
    expect(
      fieldExtensionOf(createFormField({ name: 'Plain', component: Picker })),
    ).toEqual({ name: 'Plain', component: Picker });
  });

  it.each([
    [
      'another type',
      { $$type: 'other', version: 'v1', name: 'A', component: Picker },
    ],
    [
      'a later version',
      {
        $$type: '@backstage/scaffolder/FormField',
        version: 'v2',
        name: 'A',
        component: Picker,
      },
    ],
    [
      'no name',
      {
        $$type: '@backstage/scaffolder/FormField',
        version: 'v1',
        component: Picker,
      },
    ],
    [
      'no component',
      { $$type: '@backstage/scaffolder/FormField', version: 'v1', name: 'A' },
    ],
    [
      'a validation that is no function',
      {
        $$type: '@backstage/scaffolder/FormField',
        version: 'v1',
        name: 'A',
        component: Picker,
        validation: 'x',
      },
    ],
  ])('refuses %s', (_, value) => {
    expect(fieldExtensionOf(value as unknown as FormField)).toBeUndefined();
  });
});

describe('fieldExtensionsOf', () => {
  it('adds the Secret field the scaffolder adds, after the installed fields', () => {
    const extensions = fieldExtensionsOf([
      createFormField({ name: 'GroupPicker', component: Picker }),
    ]);
    expect(extensions?.map(e => e.name)).toEqual(['GroupPicker', 'Secret']);
    expect(extensions?.[1].component).toBe(SecretField);
  });

  it('keeps an installed Secret field instead of its own', () => {
    const extensions = fieldExtensionsOf([
      createFormField({ name: 'Secret', component: Picker }),
    ]);
    expect(extensions).toEqual([{ name: 'Secret', component: Picker }]);
  });

  it('gives nothing when one field cannot be read', () => {
    expect(
      fieldExtensionsOf([
        createFormField({ name: 'GroupPicker', component: Picker }),
        { $$type: '@backstage/scaffolder/FormField' } as FormField,
      ]),
    ).toBeUndefined();
  });
});
