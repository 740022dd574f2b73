import { screen, within } from '@testing-library/react';
import type { InstanceHealthResponse } from '@ml-platform/plugin-ml-tools-common';
import { EntityMlToolHealthCard } from './EntityMlToolHealthCard';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import {
  INSTANCE_PATHS,
  errorBody,
  instanceEntity,
} from '../../__testUtils__/fakeBackend';

function health(
  status: InstanceHealthResponse['status'],
  checks: InstanceHealthResponse['checks'],
): InstanceHealthResponse {
  return {
    entityRef: 'component:ml/mlflow-a',
    status,
    checks,
    fetchedAt: '2024-05-01T10:00:00Z',
  };
}

const render = (
  answer: Parameters<typeof renderLegacy>[1]['answers'][string],
) =>
  renderLegacy(<EntityMlToolHealthCard />, {
    entity: instanceEntity,
    answers: { [INSTANCE_PATHS.health]: answer },
  });

describe('EntityMlToolHealthCard', () => {
  it('shows a healthy instance and each of its checks', async () => {
    await render({
      body: health('ok', [
        {
          id: 'workloads',
          title: 'Workloads',
          status: 'ok',
          reason: '2 of 2 pods ready',
          details: { ready: 2, total: 2 },
        },
        {
          id: 'oidc',
          title: 'OIDC discovery',
          status: 'ok',
          reason: 'Issuer answers',
        },
      ]),
    });

    expect(await screen.findByLabelText('Overall health')).toHaveTextContent(
      'Healthy',
    );
    const workloads = screen.getByRole('listitem', { name: 'Workloads: ok' });
    expect(
      within(workloads).getByText('2 of 2 pods ready'),
    ).toBeInTheDocument();
    expect(within(workloads).getByText('Healthy')).toBeInTheDocument();
    expect(within(workloads).getByText('ready: 2')).toBeInTheDocument();
    expect(within(workloads).getByText('total: 2')).toBeInTheDocument();
    expect(
      screen.getByRole('listitem', { name: 'OIDC discovery: ok' }),
    ).toHaveTextContent('Issuer answers');
  });

  it('makes a degraded instance and its failing check visible at a glance', async () => {
    await render({
      body: health('degraded', [
        { id: 'release', title: 'Release', status: 'ok', reason: 'Installed' },
        {
          id: 'workloads',
          title: 'Workloads',
          status: 'degraded',
          reason: '1 of 2 pods ready',
          details: { restarts: 4 },
        },
      ]),
    });

    expect(await screen.findByLabelText('Overall health')).toHaveTextContent(
      'Degraded',
    );
    const workloads = screen.getByRole('listitem', {
      name: 'Workloads: degraded',
    });
    expect(within(workloads).getByText('Degraded')).toBeInTheDocument();
    expect(within(workloads).getByText('restarts: 4')).toBeInTheDocument();
  });

  it('shows the drift reasons of an instance changed behind the suite’s back', async () => {
    await render({
      body: {
        ...health('ok', [
          { id: 'release', title: 'Release', status: 'ok', reason: 'Ready' },
        ]),
        drift: [
          {
            kind: 'pending-upgrade',
            message:
              'HelmRelease mlflow-a runs chart mlflow 1.8.1; the mlflow blueprint now pins 1.11.5. Run the template again to upgrade.',
          },
        ],
      },
    });
    const note = await screen.findByRole('note', { name: 'Needs attention' });
    expect(note).toHaveTextContent('now pins 1.11.5');
  });

  it('shows no attention note when nothing drifted', async () => {
    await render({
      body: {
        ...health('ok', [
          { id: 'release', title: 'Release', status: 'ok', reason: 'Ready' },
        ]),
        drift: [],
      },
    });
    await screen.findByLabelText('Overall health');
    expect(screen.queryByRole('note', { name: 'Needs attention' })).toBeNull();
  });

  it('shows an instance in error with the reason', async () => {
    await render({
      body: health('error', [
        {
          id: 'keycloak-client',
          title: 'Keycloak client',
          status: 'error',
          reason: 'Client mlflow-a is missing',
        },
      ]),
    });

    expect(await screen.findByLabelText('Overall health')).toHaveTextContent(
      'Error',
    );
    expect(screen.getByText('Client mlflow-a is missing')).toBeInTheDocument();
  });

  it('says the user has no access when the backend answers 403', async () => {
    await render(errorBody('NotAllowedError', 'Access denied', 403));

    expect(
      await screen.findByRole('status', { name: "You don't have access" }),
    ).toHaveTextContent('not allowed to see the health of this instance');
    expect(screen.queryByLabelText('Overall health')).not.toBeInTheDocument();
  });

  it('says the instance is unknown when the backend answers 404', async () => {
    await render(errorBody('NotFoundError', 'No instance', 404));

    expect(
      await screen.findByRole('status', { name: 'Instance not found' }),
    ).toBeInTheDocument();
  });

  it('shows the backend error and offers a retry when the backend fails', async () => {
    await render(errorBody('Error', 'Kubernetes API unreachable', 500));

    expect(
      await screen.findByText(/Could not load the health of this instance/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('says so when the tool defines no checks', async () => {
    await render({ body: health('unknown', []) });

    expect(
      await screen.findByRole('status', { name: 'No health checks' }),
    ).toBeInTheDocument();
  });

  it('shows progress while loading', async () => {
    await render('pending');

    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });

  it('asks again while the instance is not healthy, and stops once it is', async () => {
    const answers: Record<string, { body: InstanceHealthResponse }> = {
      [INSTANCE_PATHS.health]: {
        body: health('degraded', [
          {
            id: 'workloads',
            title: 'Workloads',
            status: 'degraded',
            reason: '1 of 3 ready',
          },
        ]),
      },
    };
    await renderLegacy(<EntityMlToolHealthCard refreshIntervalMs={50} />, {
      entity: instanceEntity,
      answers,
    });
    expect(
      await screen.findByRole('listitem', { name: 'Workloads: degraded' }),
    ).toBeInTheDocument();
    answers[INSTANCE_PATHS.health] = {
      body: health('ok', [
        {
          id: 'workloads',
          title: 'Workloads',
          status: 'ok',
          reason: '3 of 3 ready',
        },
      ]),
    };
    expect(
      await screen.findByRole('listitem', { name: 'Workloads: ok' }),
    ).toHaveTextContent('3 of 3 ready');
  });
});
