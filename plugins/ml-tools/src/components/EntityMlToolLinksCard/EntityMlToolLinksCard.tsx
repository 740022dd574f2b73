import type { ComponentType } from 'react';
import {
  InfoCard,
  Link,
  type InfoCardVariants,
} from '@backstage/core-components';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';
import CodeIcon from '@material-ui/icons/Code';
import DescriptionIcon from '@material-ui/icons/Description';
import LaunchIcon from '@material-ui/icons/Launch';
import LinkIcon from '@material-ui/icons/Link';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import type { InstanceLink } from '@ml-platform/plugin-ml-tools-common';
import { CallStateView } from '../CallStateView';
import { useMlToolsCall } from '../useMlToolsCall';

const LINK_ICONS: Record<string, ComponentType> = {
  ui: LaunchIcon,
  api: CodeIcon,
  'keycloak-console': VpnKeyIcon,
  docs: DescriptionIcon,
};

// The UI first, docs last: the order people reach for them, whatever order the
// blueprint declared them in. Blueprint-defined types keep their relative order.
const LINK_ORDER = ['ui', 'api', 'keycloak-console', 'docs'];

function rank(link: InstanceLink): number {
  const index = LINK_ORDER.indexOf(link.type);
  return index === -1 ? LINK_ORDER.length - 1 : index;
}

const useStyles = makeStyles({
  // Backstage's theme keeps dense list text on one line, cut at the edge; a URL (a
  // Keycloak console URL with its client id) is longer than a third-width column, so it
  // wraps here instead, anywhere, as it has no spaces to break at.
  text: { minWidth: 0, whiteSpace: 'normal' },
  url: {
    whiteSpace: 'normal',
    overflowWrap: 'anywhere',
    wordBreak: 'break-word',
  },
});

function LinksView(props: { links: InstanceLink[] }) {
  const classes = useStyles();
  const sorted = [...props.links].sort((a, b) => rank(a) - rank(b));
  return (
    <List dense aria-label="Links">
      {sorted.map(link => {
        const Icon = LINK_ICONS[link.type] ?? LinkIcon;
        return (
          <ListItem key={`${link.type}:${link.url}`} disableGutters>
            <ListItemIcon>
              <Icon />
            </ListItemIcon>
            <ListItemText
              className={classes.text}
              primary={
                <Link to={link.url} title={link.url}>
                  {link.title}
                </Link>
              }
              secondary={link.url}
              secondaryTypographyProps={{
                className: classes.url,
                title: link.url,
              }}
            />
          </ListItem>
        );
      })}
    </List>
  );
}

/**
 * Props of {@link EntityMlToolLinksCard}.
 *
 * @public
 */
export interface EntityMlToolLinksCardProps {
  variant?: InfoCardVariants;
}

/**
 * Where to open the tool instance in the current entity context: its UI, API, Keycloak
 * client console and docs.
 *
 * @public
 */
export function EntityMlToolLinksCard(props: EntityMlToolLinksCardProps) {
  const { entity } = useEntity();
  const state = useMlToolsCall(
    api => api.getInstanceLinks(getCompoundEntityRef(entity)),
    stringifyEntityRef(entity),
  );
  return (
    <InfoCard title="Tool links" variant={props.variant}>
      <CallStateView
        state={state}
        subject="the links of this instance"
        notFound={{
          title: 'Instance not found',
          message:
            'The ML tools backend does not know this instance. It may have been removed or not be deployed yet.',
        }}
        empty={{
          title: 'No links',
          message: 'This instance exposes no UI, API or console link.',
        }}
        isEmpty={value => value.links.length === 0}
      >
        {value => <LinksView links={value.links} />}
      </CallStateView>
    </InfoCard>
  );
}
