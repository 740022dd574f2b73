import { Link } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemSecondaryAction from '@material-ui/core/ListItemSecondaryAction';
import ListItemText from '@material-ui/core/ListItemText';
import { BACKEND_NOT_FOUND, CallStateView } from '../CallStateView';
import { HealthStatusIndicator } from '../HealthStatusIndicator';
import { ToolIcon } from '../ToolIcon';
import { useMlToolsCall } from '../useMlToolsCall';

/**
 * The instances owned by the signed-in user or by one of the groups the user belongs to
 * (the ownership refs of the Backstage identity), with their health and where to open
 * them.
 */
export function MyMlToolInstancesContent() {
  const identityApi = useApi(identityApiRef);
  const state = useMlToolsCall(async api => {
    const [identity, list] = await Promise.all([
      identityApi.getBackstageIdentity(),
      api.listInstances(),
    ]);
    const mine = new Set(
      identity.ownershipEntityRefs.map(ref => ref.toLocaleLowerCase('en-US')),
    );
    return list.items
      .filter(item => mine.has(item.owner.toLocaleLowerCase('en-US')))
      .sort((a, b) => a.title.localeCompare(b.title));
  }, 'home-mine');
  return (
    <CallStateView
      state={state}
      subject="your ML tool instances"
      notFound={BACKEND_NOT_FOUND}
      empty={{
        title: 'You own no ML tool instances',
        message:
          'Instances owned by you or by one of your groups appear here. Start one from a template.',
      }}
      isEmpty={items => items.length === 0}
    >
      {items => (
        <List dense aria-label="Your instances">
          {items.map(item => (
            <ListItem key={item.entityRef} disableGutters>
              <ListItemIcon>
                <ToolIcon tool={item.tool} />
              </ListItemIcon>
              <ListItemText
                primary={
                  <EntityRefLink entityRef={item.entityRef} hideIcon>
                    {item.title}
                  </EntityRefLink>
                }
                secondary={<HealthStatusIndicator status={item.health} />}
                secondaryTypographyProps={{ component: 'div' }}
              />
              {item.uiUrl && (
                <ListItemSecondaryAction>
                  <Link to={item.uiUrl}>Open</Link>
                </ListItemSecondaryAction>
              )}
            </ListItem>
          ))}
        </List>
      )}
    </CallStateView>
  );
}
