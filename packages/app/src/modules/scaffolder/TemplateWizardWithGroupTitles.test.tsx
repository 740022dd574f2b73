import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import type { GroupEntity } from '@backstage/catalog-model';
import { errorApiRef } from '@backstage/core-plugin-api';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import {
  scaffolderApiRef,
  type ScaffolderApi,
} from '@backstage/plugin-scaffolder-react';
import {
  createFormField,
  formFieldsApiRef,
  type FormField,
} from '@backstage/plugin-scaffolder-react/alpha';
import type { TemplateParameterSchema } from '@backstage/plugin-scaffolder-common';
import { TemplatesWithGroupTitles } from './TemplateWizardWithGroupTitles';

function group(name: string, path: string): GroupEntity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, title: path },
    spec: { type: 'group', children: [] },
  };
}

/** A form field of an installed plugin: a text box for a group ref. */
const groupRefField = createFormField({
  name: 'GroupRef',
  component: props => (
    <input
      aria-label={props.schema.title}
      value={props.formData ?? ''}
      onChange={event => props.onChange(event.target.value)}
    />
  ),
});

/** One step as the MLflow template asks it: a name, a group, a secret. */
const manifest: TemplateParameterSchema = {
  title: 'MLflow tracking server',
  steps: [
    {
      title: 'Instance',
      schema: {
        type: 'object',
        required: ['name', 'owner'],
        properties: {
          name: { type: 'string', title: 'Name', default: 'tracking' },
          owner: {
            type: 'string',
            title: 'Owner group',
            'ui:field': 'GroupRef',
            default: 'group:default/vision',
          },
          token: { type: 'string', title: 'API token', 'ui:field': 'Secret' },
        },
      },
    },
  ],
};

function scaffolderApi(options: {
  manifest?: TemplateParameterSchema;
  scaffold?: ScaffolderApi['scaffold'];
}) {
  return {
    getTemplateParameterSchema: jest.fn(
      async () => options.manifest ?? manifest,
    ),
    scaffold: jest.fn(options.scaffold ?? (async () => ({ taskId: 'task-1' }))),
  } as unknown as jest.Mocked<ScaffolderApi>;
}

async function render(options: {
  path: string;
  api: ScaffolderApi;
  fields?: FormField[];
  errorApi?: { post: jest.Mock; error$: () => never };
}) {
  const apis: any[] = [
    [scaffolderApiRef, options.api],
    [
      formFieldsApiRef,
      { loadFormFields: async () => options.fields ?? [groupRefField] },
    ],
    [
      catalogApiRef,
      catalogApiMock({
        entities: [group('vision', '/data-scientists/vision')],
      }),
    ],
  ];
  if (options.errorApi) apis.push([errorApiRef, options.errorApi]);
  const rendered = renderInTestApp(
    <Routes>
      <Route
        path="templates/*"
        element={
          <TemplatesWithGroupTitles>
            <div>the scaffolder's own sub-page</div>
          </TemplatesWithGroupTitles>
        }
      />
      <Route path="tasks/:taskId" element={<div>task page</div>} />
    </Routes>,
    {
      mountPath: '/create/*',
      initialRouteEntries: [options.path],
      mountedRoutes: { '/create': scaffolderPlugin.routes.root },
      apis,
    },
  );
  // Both reads of the template (the form's, and the one for its decorators) answered.
  await act(() => new Promise(resolve => setTimeout(resolve, 50)));
  return rendered;
}

async function reviewRows() {
  const table = await screen.findByRole('table');
  return within(table)
    .getAllByRole('row')
    .map(row =>
      within(row)
        .getAllByRole('cell')
        .map(cell => cell.textContent),
    );
}

describe('TemplatesWithGroupTitles', () => {
  // The stepper scrolls to the top on each step; jsdom has no scrolling.
  beforeAll(() => {
    window.scrollTo = jest.fn();
  });
  // Let the template's parameter read that runs beside the form settle before unmounting.
  afterEach(() => act(() => new Promise(resolve => setTimeout(resolve, 50))));

  it('reviews groups by their title, then creates with the refs and opens the task', async () => {
    const api = scaffolderApi({});
    await render({ path: '/create/templates/default/mlflow', api });

    await userEvent.type(await screen.findByLabelText('API token'), 'hunter2');
    // The secret reaches the template's secrets after the field's 300 ms debounce.
    await act(() => new Promise(resolve => setTimeout(resolve, 400)));
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));

    expect(await reviewRows()).toEqual([
      ['Name', 'tracking'],
      ['Owner group', '/data-scientists/vision'],
      ['API token', '******'],
    ]);
    expect(screen.queryByText('group:default/vision')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('task page')).toBeInTheDocument();
    expect(api.scaffold).toHaveBeenCalledTimes(1);
    expect(api.scaffold).toHaveBeenCalledWith({
      templateRef: 'template:default/mlflow',
      // The titles are only shown: the task gets the refs.
      values: {
        name: 'tracking',
        owner: 'group:default/vision',
        token: '*******',
      },
      secrets: { token: 'hunter2' },
    });
  });

  it('leaves the template list to the scaffolder', async () => {
    const api = scaffolderApi({});
    await render({ path: '/create/templates', api });
    expect(
      await screen.findByText("the scaffolder's own sub-page"),
    ).toBeInTheDocument();
    expect(api.getTemplateParameterSchema).not.toHaveBeenCalled();
  });

  it("keeps the scaffolder's own wizard for a template with form decorators", async () => {
    const api = scaffolderApi({
      manifest: { ...manifest, formDecorators: [{ id: 'github-token' }] },
    });
    await render({ path: '/create/templates/default/mlflow', api });
    expect(
      await screen.findByText("the scaffolder's own sub-page"),
    ).toBeInTheDocument();
  });

  it("keeps the scaffolder's own wizard when a form field cannot be read", async () => {
    const later = {
      $$type: '@backstage/scaffolder/FormField',
      version: 'v2',
    } as FormField;
    await render({
      path: '/create/templates/default/mlflow',
      api: scaffolderApi({}),
      fields: [groupRefField, later],
    });
    expect(
      await screen.findByText("the scaffolder's own sub-page"),
    ).toBeInTheDocument();
  });

  it('shows a failed create and lets the person try again', async () => {
    const api = scaffolderApi({
      scaffold: async () => {
        throw new Error('template refused: name is taken');
      },
    });
    const errorApi = {
      post: jest.fn(),
      error$: () => {
        throw new Error('not observed here');
      },
    };
    await render({ path: '/create/templates/default/mlflow', api, errorApi });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review' }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Create' }),
    );
    await waitFor(() =>
      expect(errorApi.post).toHaveBeenCalledWith(
        expect.objectContaining({ message: 'template refused: name is taken' }),
      ),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(api.scaffold).toHaveBeenCalledTimes(2));
    expect(screen.queryByText('task page')).not.toBeInTheDocument();
  });
});
