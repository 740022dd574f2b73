import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { InstanceAccessResponse } from '@ml-platform/plugin-ml-tools-common';
import { EntityMlToolAccessCard } from './EntityMlToolAccessCard';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import {
  INSTANCE_PATHS,
  errorBody,
  instanceEntity,
  type FakeAnswer,
} from '../../__testUtils__/fakeBackend';

const access = (membersVisible: boolean): InstanceAccessResponse => ({
  entityRef: 'component:ml/mlflow-a',
  membersVisible,
  roles: [
    {
      role: 'EDIT',
      description: 'Create and edit experiments',
      groups: [
        {
          path: '/data-scientists/vision',
          entityRef: 'group:default/vision',
          memberCount: 2,
          exists: true,
          members: membersVisible
            ? [
                {
                  username: 'alice',
                  email: 'alice@example.com',
                  entityRef: 'user:default/alice',
                },
                { username: 'bob' },
              ]
            : undefined,
        },
        { path: '/contractors', memberCount: 0, exists: false },
      ],
    },
    { role: 'ADMIN', groups: [] },
  ],
});

const render = (answer: FakeAnswer | 'pending') =>
  renderLegacy(<EntityMlToolAccessCard />, {
    entity: instanceEntity,
    answers: { [INSTANCE_PATHS.access]: answer },
  });

describe('EntityMlToolAccessCard', () => {
  it('lists role → groups → member counts, linking known groups to the catalog', async () => {
    await render({ body: access(false) });

    const edit = await screen.findByRole('region', { name: 'Role EDIT' });
    expect(
      within(edit).getByText('Create and edit experiments'),
    ).toBeInTheDocument();
    const vision = within(edit).getByRole('listitem', {
      name: '/data-scientists/vision',
    });
    expect(
      within(vision).getByRole('link', { name: /\/data-scientists\/vision/ }),
    ).toHaveAttribute('href', '/catalog/default/group/vision');
    expect(within(vision).getByText('2 members')).toBeInTheDocument();
    // Members hidden for this caller: no way to expand them.
    expect(within(vision).queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText(/Member names are hidden/)).toBeInTheDocument();

    const contractors = within(edit).getByRole('listitem', {
      name: '/contractors',
    });
    expect(within(contractors).queryByRole('link')).not.toBeInTheDocument();
    expect(
      within(contractors).getByText('Missing in Keycloak'),
    ).toBeInTheDocument();

    const admin = screen.getByRole('region', { name: 'Role ADMIN' });
    expect(
      within(admin).getByText('No group grants this role.'),
    ).toBeInTheDocument();
  });

  it('expands members when the caller may see them', async () => {
    await render({ body: access(true) });

    const vision = await screen.findByRole('listitem', {
      name: '/data-scientists/vision',
    });
    expect(screen.queryByText('alice@example.com')).not.toBeInTheDocument();

    await userEvent.click(
      within(vision).getByRole('button', { name: 'Show members' }),
    );

    const members = screen.getByRole('list', {
      name: 'Members of /data-scientists/vision',
    });
    expect(
      within(members).getByRole('link', { name: /alice/ }),
    ).toHaveAttribute('href', '/catalog/default/user/alice');
    expect(within(members).getByText('alice@example.com')).toBeInTheDocument();
    expect(within(members).getByText('bob')).toBeInTheDocument();
    expect(
      screen.queryByText(/Member names are hidden/),
    ).not.toBeInTheDocument();
  });

  it('shows the users a role is granted to directly, or only their number', async () => {
    const withUsers = (visible: boolean) => {
      const body = access(visible);
      body.roles[0] = {
        ...body.roles[0],
        userCount: 2,
        ...(visible ? { users: ['eve@example.com', 'zoe@example.com'] } : {}),
      };
      return body;
    };
    await render({ body: withUsers(true) });
    const first = await screen.findByRole('region', {
      name: `Role ${withUsers(true).roles[0].role}`,
    });
    expect(
      within(first).getByText('Users: eve@example.com, zoe@example.com'),
    ).toBeInTheDocument();
  });

  it('counts direct users without naming them when members are hidden', async () => {
    const body = access(false);
    body.roles[0] = { ...body.roles[0], userCount: 2 };
    await render({ body });
    const first = await screen.findByRole('region', {
      name: `Role ${body.roles[0].role}`,
    });
    expect(within(first).getByText('2 users')).toBeInTheDocument();
    expect(screen.queryByText(/eve@/)).not.toBeInTheDocument();
  });

  it('says the user has no access when the backend answers 403', async () => {
    await render(errorBody('NotAllowedError', 'Access denied', 403));

    expect(
      await screen.findByRole('status', { name: "You don't have access" }),
    ).toHaveTextContent('who can use this instance');
  });

  it('says the instance is unknown when the backend answers 404', async () => {
    await render(errorBody('NotFoundError', 'No instance', 404));

    expect(
      await screen.findByRole('status', { name: 'Instance not found' }),
    ).toBeInTheDocument();
  });

  it('shows the backend error when Keycloak is down', async () => {
    await render(errorBody('ServiceUnavailableError', 'Keycloak down', 503));

    expect(
      await screen.findByText(/Could not load who can use this instance/),
    ).toBeInTheDocument();
  });

  it('says so when the tool maps no roles', async () => {
    await render({
      body: {
        entityRef: 'component:ml/mlflow-a',
        roles: [],
        membersVisible: false,
      },
    });

    expect(
      await screen.findByRole('status', { name: 'No roles' }),
    ).toBeInTheDocument();
  });

  it('says how access works when the tool has accounts of its own instead of roles', async () => {
    await render({
      body: {
        entityRef: 'component:ml/sso-a',
        roles: [],
        membersVisible: false,
        note: 'Its administrators are the accounts of its master realm.',
      },
    });

    expect(await screen.findByLabelText('How access works')).toHaveTextContent(
      'Its administrators are the accounts of its master realm.',
    );
    expect(screen.queryByRole('status', { name: 'No roles' })).toBeNull();
  });
});
