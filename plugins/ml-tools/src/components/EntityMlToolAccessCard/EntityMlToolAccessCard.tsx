import { useState } from 'react';
import { InfoCard, type InfoCardVariants } from '@backstage/core-components';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Collapse from '@material-ui/core/Collapse';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  AccessGroup,
  AccessRole,
  InstanceAccessResponse,
} from '@ml-platform/plugin-ml-tools-common';
import { CallStateView } from '../CallStateView';
import { useMlToolsCall } from '../useMlToolsCall';

const useStyles = makeStyles(theme => ({
  role: {
    '&:not(:first-child)': { marginTop: theme.spacing(2) },
  },
  group: {
    display: 'block',
    paddingLeft: theme.spacing(1),
    paddingRight: 0,
  },
  groupHeader: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  },
  members: {
    paddingLeft: theme.spacing(2),
  },
}));

function memberCountLabel(count: number): string {
  return count === 1 ? '1 member' : `${count} members`;
}

function GroupItem(props: { group: AccessGroup; membersVisible: boolean }) {
  const classes = useStyles();
  const { group, membersVisible } = props;
  const [open, setOpen] = useState(false);
  const members = membersVisible ? group.members ?? [] : [];
  return (
    <ListItem className={classes.group} aria-label={group.path}>
      <div className={classes.groupHeader}>
        {group.entityRef ? (
          <EntityRefLink entityRef={group.entityRef} defaultKind="group">
            {group.path}
          </EntityRefLink>
        ) : (
          <Typography variant="body2">{group.path}</Typography>
        )}
        <Typography variant="body2" color="textSecondary">
          {memberCountLabel(group.memberCount)}
        </Typography>
        {!group.exists && (
          // Named in the role mapping but absent in Keycloak: nobody gets this role
          // through it, which is worth flagging rather than hiding.
          <Chip size="small" color="secondary" label="Missing in Keycloak" />
        )}
        {members.length > 0 && (
          <Button
            size="small"
            onClick={() => setOpen(value => !value)}
            aria-expanded={open}
          >
            {open ? 'Hide members' : 'Show members'}
          </Button>
        )}
      </div>
      {members.length > 0 && (
        <Collapse in={open} unmountOnExit>
          <List
            dense
            className={classes.members}
            aria-label={`Members of ${group.path}`}
          >
            {members.map(member => (
              <ListItem key={member.username} disableGutters>
                {member.entityRef ? (
                  <EntityRefLink
                    entityRef={member.entityRef}
                    defaultKind="user"
                  >
                    {member.username}
                  </EntityRefLink>
                ) : (
                  <Typography variant="body2">{member.username}</Typography>
                )}
                {member.email && (
                  <Box component="span" ml={1}>
                    <Typography
                      variant="body2"
                      color="textSecondary"
                      component="span"
                    >
                      {member.email}
                    </Typography>
                  </Box>
                )}
              </ListItem>
            ))}
          </List>
        </Collapse>
      )}
    </ListItem>
  );
}

function RoleSection(props: { role: AccessRole; membersVisible: boolean }) {
  const classes = useStyles();
  const { role, membersVisible } = props;
  return (
    <section className={classes.role} aria-label={`Role ${role.role}`}>
      <Typography variant="subtitle1">{role.role}</Typography>
      {role.description && (
        <Typography variant="body2" color="textSecondary">
          {role.description}
        </Typography>
      )}
      {role.userCount ? (
        <Typography variant="body2" aria-label={`Users of role ${role.role}`}>
          {role.users
            ? `Users: ${role.users.join(', ')}`
            : `${role.userCount} ${role.userCount === 1 ? 'user' : 'users'}`}
        </Typography>
      ) : null}
      {role.groups.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          No group grants this role.
        </Typography>
      ) : (
        <List dense disablePadding>
          {role.groups.map(group => (
            <GroupItem
              key={group.path}
              group={group}
              membersVisible={membersVisible}
            />
          ))}
        </List>
      )}
    </section>
  );
}

function AccessView(props: { access: InstanceAccessResponse }) {
  const { access } = props;
  return (
    <>
      {access.note && (
        <Box mb={access.roles.length ? 2 : 0}>
          <Typography
            variant="body2"
            color="textSecondary"
            aria-label="How access works"
          >
            {access.note}
          </Typography>
        </Box>
      )}
      {access.roles.map(role => (
        <RoleSection
          key={role.role}
          role={role}
          membersVisible={access.membersVisible}
        />
      ))}
      {!access.membersVisible && (
        <Box mt={2}>
          <Typography variant="caption" color="textSecondary">
            Member names are hidden: you may see group sizes but not who is in
            them.
          </Typography>
        </Box>
      )}
    </>
  );
}

/**
 * Props of {@link EntityMlToolAccessCard}.
 *
 * @public
 */
export interface EntityMlToolAccessCardProps {
  variant?: InfoCardVariants;
}

/**
 * Who can use the tool instance in the current entity context: role, granting groups,
 * member counts and, for callers allowed to see them, the members.
 *
 * @public
 */
export function EntityMlToolAccessCard(props: EntityMlToolAccessCardProps) {
  const { entity } = useEntity();
  const state = useMlToolsCall(
    api => api.getInstanceAccess(getCompoundEntityRef(entity)),
    stringifyEntityRef(entity),
  );
  return (
    <InfoCard title="Access" variant={props.variant}>
      <CallStateView
        state={state}
        subject="who can use this instance"
        notFound={{
          title: 'Instance not found',
          message:
            'The ML tools backend does not know this instance. It may have been removed or not be deployed yet.',
        }}
        empty={{
          title: 'No roles',
          message: 'This tool maps no roles to Keycloak groups.',
        }}
        // A tool without roles may still say who uses it and how (its own accounts).
        isEmpty={access => access.roles.length === 0 && !access.note}
      >
        {access => <AccessView access={access} />}
      </CallStateView>
    </InfoCard>
  );
}
