import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import type {
  FleetOrphan,
  OrphanAction,
  OrphanActionResponse,
} from '@ml-platform/plugin-ml-tools-common';
import { SWRConfig } from 'swr';
import { mlToolsApiRef, type MlToolsApi } from '../../api';
import { FleetOrphans } from './FleetOrphans';

const client: FleetOrphan = {
  kind: 'client-without-release',
  id: 'mlflow-old',
  instanceRef: 'sandbox/ml/mlflow-old',
  what: 'Keycloak client mlflow-old',
  message: 'Its instance has no release left.',
};
const release: FleetOrphan = {
  kind: 'release-without-entity',
  id: 'sandbox/ml/board',
  instanceRef: 'sandbox/ml/board',
  what: 'HelmRelease ml/board',
  message: 'No catalog entity stands for this instance.',
};

/** A fleet whose orphans go away once acted on (not in a dry run). */
function fakeFleet() {
  let orphans = [client, release];
  const calls: Array<[string, OrphanAction, object]> = [];
  const api: Partial<MlToolsApi> = {
    listOrphans: async () => ({ items: orphans, unreadClusters: [] }),
    actOnOrphan: async (orphan, action, options = {}) => {
      calls.push([orphan.id, action, options]);
      if (!options.dryRun) orphans = orphans.filter(o => o.id !== orphan.id);
      const response: OrphanActionResponse = {
        kind: orphan.kind,
        id: orphan.id,
        action,
        dryRun: Boolean(options.dryRun),
        changes: [
          {
            target: 'keycloak',
            kind: 'client',
            name: orphan.id,
            action: 'delete',
          },
        ],
      };
      return response;
    },
  };
  return { api, calls };
}

const render = (api: Partial<MlToolsApi>, allowed: boolean) =>
  renderInTestApp(
    <TestApiProvider
      apis={[
        [mlToolsApiRef, api],
        [
          permissionApiRef,
          mockApis.permission({
            authorize: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
          }),
        ],
      ]}
    >
      {/* usePermission caches decisions in SWR: one cache per test. */}
      <SWRConfig value={{ provider: () => new Map() }}>
        <FleetOrphans />
      </SWRConfig>
    </TestApiProvider>,
  );

describe('FleetOrphans', () => {
  it('shows nothing, and asks for nothing, without the fleet manage permission', async () => {
    const { api } = fakeFleet();
    const listOrphans = jest.fn(api.listOrphans);
    await render({ ...api, listOrphans }, false);
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Orphans' })).toBeNull(),
    );
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
    expect(listOrphans).not.toHaveBeenCalled();
  });

  it('lists orphans with their actions: only a release can be adopted', async () => {
    await render(fakeFleet().api, true);
    const region = await screen.findByRole('region', { name: 'Orphans' });
    expect(within(region).getByText('Orphans (2)')).toBeInTheDocument();
    const clientRow = within(region).getByRole('listitem', {
      name: client.what,
    });
    const releaseRow = within(region).getByRole('listitem', {
      name: release.what,
    });
    expect(
      within(clientRow).queryByRole('button', { name: 'Adopt' }),
    ).toBeNull();
    expect(
      within(releaseRow).getByRole('button', { name: 'Adopt' }),
    ).toBeInTheDocument();
    expect(
      within(clientRow).getByRole('button', { name: 'Remove' }),
    ).toBeInTheDocument();
  });

  it('shows what a removal would do before doing it, then removes', async () => {
    const { api, calls } = fakeFleet();
    await render(api, true);
    const row = await screen.findByRole('listitem', { name: client.what });
    await userEvent.click(within(row).getByRole('button', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText('delete client mlflow-old'),
    ).toBeInTheDocument();
    expect(calls).toEqual([['mlflow-old', 'remove', { dryRun: true }]]);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Remove' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.at(-1)).toEqual(['mlflow-old', 'remove', {}]);
    expect(await screen.findByText('Orphans (1)')).toBeInTheDocument();
    expect(screen.queryByRole('listitem', { name: client.what })).toBeNull();
  });

  it('cancels without acting', async () => {
    const { api, calls } = fakeFleet();
    await render(api, true);
    const row = await screen.findByRole('listitem', { name: client.what });
    await userEvent.click(within(row).getByRole('button', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByText('delete client mlflow-old');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.filter(([, , o]) => !('dryRun' in o))).toEqual([]);
    expect(screen.getByText('Orphans (2)')).toBeInTheDocument();
  });

  it('adopts a release under the owner typed in the dialog', async () => {
    const { api, calls } = fakeFleet();
    await render(api, true);
    const row = await screen.findByRole('listitem', { name: release.what });
    await userEvent.click(within(row).getByRole('button', { name: 'Adopt' }));
    const dialog = await screen.findByRole('dialog');
    const adopt = within(dialog).getByRole('button', { name: 'Adopt' });
    expect(adopt).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Owner/ }),
      'group:default/vision',
    );
    await userEvent.click(adopt);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls).toEqual([
      ['sandbox/ml/board', 'adopt', { owner: 'group:default/vision' }],
    ]);
    expect(await screen.findByText('Orphans (1)')).toBeInTheDocument();
  });

  it('keeps the dialog open and says why when the backend refuses', async () => {
    const { api } = fakeFleet();
    await render(
      {
        ...api,
        actOnOrphan: async (_o, _a, options = {}) => {
          if (options.dryRun) return api.actOnOrphan!(_o, _a, options);
          throw new Error('owner: there is no group:default/nobody');
        },
      },
      true,
    );
    const row = await screen.findByRole('listitem', { name: release.what });
    await userEvent.click(within(row).getByRole('button', { name: 'Adopt' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Owner/ }),
      'group:default/nobody',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Adopt' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'there is no group:default/nobody',
    );
  });
});
