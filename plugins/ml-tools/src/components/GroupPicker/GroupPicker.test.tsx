import { useState } from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { GroupEntity } from '@backstage/catalog-model';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { GroupPicker, type GroupPickerValue } from './GroupPicker';

/** Groups as the portal's Keycloak module makes them: named by their own name, titled by path. */
function group(name: string, path?: string): GroupEntity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, ...(path ? { title: path } : {}) },
    spec: {
      type: 'group',
      children: [],
      ...(path ? { profile: { displayName: path } } : {}),
    },
  };
}

const groups = [
  group('data-scientists', '/data-scientists'),
  group('vision', '/data-scientists/vision'),
  group('platform-admins', '/platform-admins'),
  // A group from elsewhere in the catalog, without a title: shown by its name.
  group('finance'),
];

/** The field in a form that keeps its value, as the scaffolder's form does. */
function Harness(props: { multiple?: boolean; initial?: GroupPickerValue }) {
  const [value, setValue] = useState<GroupPickerValue | undefined>(
    props.initial,
  );
  const fieldProps = {
    onChange: (v: GroupPickerValue) => setValue(v),
    schema: {
      title: props.multiple ? 'Users (user)' : 'Owner group',
      type: props.multiple ? 'array' : 'string',
    },
    uiSchema: {},
    formData: value,
    idSchema: { $id: 'root_group' },
    rawErrors: [],
    required: false,
  } as unknown as FieldExtensionComponentProps<GroupPickerValue>;
  return (
    <>
      <GroupPicker {...fieldProps} />
      <output aria-label="value">{JSON.stringify(value ?? null)}</output>
    </>
  );
}

const render = (props: { multiple?: boolean; initial?: GroupPickerValue }) =>
  renderInTestApp(
    <TestApiProvider
      apis={[[catalogApiRef, catalogApiMock({ entities: groups })]]}
    >
      <Harness {...props} />
    </TestApiProvider>,
  );

describe('GroupPicker', () => {
  it('offers groups by title, a subgroup with its parent path, and keeps the ref as value', async () => {
    await render({});
    const input = screen.getByRole('textbox', { name: 'Owner group' });
    await userEvent.click(input);
    const listbox = await screen.findByRole('listbox');
    await waitFor(() =>
      expect(
        within(listbox)
          .getAllByRole('option')
          .map(o => o.textContent),
      ).toEqual([
        '/data-scientists',
        '/data-scientists/vision',
        '/platform-admins',
        'finance',
      ]),
    );
    await userEvent.click(
      within(listbox).getByRole('option', { name: '/data-scientists/vision' }),
    );

    expect(input).toHaveValue('/data-scientists/vision');
    expect(screen.getByRole('status', { name: 'value' })).toHaveTextContent(
      '"group:default/vision"',
    );
  });

  it('finds a subgroup by typing part of its path', async () => {
    await render({});
    const input = screen.getByRole('textbox', { name: 'Owner group' });
    await userEvent.type(input, 'vision');
    const listbox = await screen.findByRole('listbox');
    expect(
      within(listbox)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['/data-scientists/vision']);
  });

  it('shows picked groups of an array field by title and values them by ref', async () => {
    await render({
      multiple: true,
      initial: ['group:default/platform-admins'],
    });
    // The preselected value is shown by title once the catalog answered.
    expect(
      await screen.findByRole('button', { name: '/platform-admins' }),
    ).toBeInTheDocument();
    const input = screen.getByRole('textbox', { name: 'Users (user)' });
    await userEvent.click(input);
    await userEvent.click(
      await screen.findByRole('option', { name: '/data-scientists' }),
    );

    expect(
      screen.getByRole('button', { name: '/data-scientists' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByText(/group:default\//, { ignore: 'output' }),
    ).not.toBeInTheDocument();
    expect(screen.getByRole('status', { name: 'value' })).toHaveTextContent(
      '["group:default/platform-admins","group:default/data-scientists"]',
    );
  });

  it('takes a typed Keycloak path of a group to create, as the stock pickers take free values', async () => {
    await render({ multiple: true });
    const input = screen.getByRole('textbox', { name: 'Users (user)' });
    await userEvent.type(input, '/team-b/new{Enter}');

    expect(screen.getByRole('status', { name: 'value' })).toHaveTextContent(
      '["/team-b/new"]',
    );
    expect(screen.getByRole('button', { name: '/team-b/new' })).toBeVisible();
  });

  it('shows a ref the catalog does not list as itself', async () => {
    await render({ initial: 'group:default/gone' });
    expect(
      await screen.findByDisplayValue('group:default/gone'),
    ).toBeInTheDocument();
  });
});
