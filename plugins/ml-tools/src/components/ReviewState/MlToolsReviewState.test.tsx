import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { GroupEntity } from '@backstage/catalog-model';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import type { ParsedTemplateSchema } from '@backstage/plugin-scaffolder-react/alpha';
import { MlToolsReviewState } from './MlToolsReviewState';
import { MlToolsReviewStep } from './MlToolsReviewStep';

/** Groups as the portal's Keycloak module makes them: titled by their full path. */
function group(name: string, path: string): GroupEntity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, title: path },
    spec: { type: 'group', children: [], profile: { displayName: path } },
  };
}

const catalogApi = catalogApiMock({
  entities: [
    group('data-scientists', '/data-scientists'),
    group('vision', '/data-scientists/vision'),
    group('platform-admins', '/platform-admins'),
  ],
});

/** One step of the MLflow template as the scaffolder parses it. */
const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Name' },
    owner: {
      type: 'string',
      title: 'Owner group',
      'ui:field': 'MlToolsGroupPicker',
    },
    users: {
      type: 'array',
      title: 'Users (user)',
      items: { type: 'string' },
      'ui:field': 'MlToolsGroupPicker',
    },
    note: { type: 'string', title: 'Note' },
    token: { type: 'string', title: 'API token', 'ui:field': 'Secret' },
    tier: {
      type: 'string',
      title: 'Tier',
      enum: ['group:default/vision'],
      enumNames: ['Vision tier'],
    },
  },
};
const schemas: ParsedTemplateSchema[] = [
  { title: 'Instance', schema, mergedSchema: schema, uiSchema: {} },
];

/** The review table as a person reads it: label to value, row by row. */
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

const formState = {
  name: 'tracking',
  owner: 'group:default/vision',
  users: ['group:default/data-scientists', 'group:default/platform-admins'],
  note: 'group:default/unknown-team',
  token: 'hunter2',
  tier: 'group:default/vision',
};

describe('MlToolsReviewState', () => {
  it('shows group refs by their title with path; other values as the scaffolder does', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[catalogApiRef, catalogApi]]}>
        <MlToolsReviewState schemas={schemas} formState={formState} />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('/data-scientists/vision'),
    ).toBeInTheDocument();
    const rows = await reviewRows();
    expect(rows).toEqual([
      ['Name', 'tracking'],
      ['Owner group', '/data-scientists/vision'],
      [
        'Users (user)',
        expect.stringMatching(/\/data-scientists.*\/platform-admins/),
      ],
      // A ref the catalog does not know stays the ref.
      ['Note', 'group:default/unknown-team'],
      // Secrets stay masked; the value never reaches the page.
      ['API token', '******'],
      // A property with its own display names keeps them.
      ['Tier', 'Vision tier'],
    ]);
    expect(screen.queryByText(/hunter2/)).not.toBeInTheDocument();
    expect(screen.queryByText('group:default/vision')).not.toBeInTheDocument();
  });

  it('leaves a form without group refs as it is', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[catalogApiRef, catalogApi]]}>
        <MlToolsReviewState
          schemas={schemas}
          formState={{ name: 'group-tracking', note: 'group:vision' }}
        />
      </TestApiProvider>,
    );
    expect(await reviewRows()).toEqual([
      ['Name', 'group-tracking'],
      ['Note', 'group:vision'],
    ]);
  });
});

describe('MlToolsReviewStep', () => {
  it('reviews with titles and creates on Create (legacy frontend system)', async () => {
    const handleCreate = jest.fn();
    const handleBack = jest.fn();
    await renderInTestApp(
      <TestApiProvider apis={[[catalogApiRef, catalogApi]]}>
        <MlToolsReviewStep
          steps={schemas}
          formData={{ owner: 'group:default/vision' }}
          disableButtons={false}
          handleBack={handleBack}
          handleReset={() => {}}
          handleCreate={handleCreate}
        />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('/data-scientists/vision'),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(handleCreate).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(handleBack).toHaveBeenCalledTimes(1);
  });
});
