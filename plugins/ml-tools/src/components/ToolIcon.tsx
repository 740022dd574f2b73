import type { ComponentType } from 'react';
import AccountBoxIcon from '@material-ui/icons/AccountBox';
import AccountTreeIcon from '@material-ui/icons/AccountTree';
import AssessmentIcon from '@material-ui/icons/Assessment';
import BuildIcon from '@material-ui/icons/Build';
import MenuBookIcon from '@material-ui/icons/MenuBook';
import PhotoLibraryIcon from '@material-ui/icons/PhotoLibrary';
import SecurityIcon from '@material-ui/icons/Security';
import StorageIcon from '@material-ui/icons/Storage';
import TimelineIcon from '@material-ui/icons/Timeline';
import VpnKeyIcon from '@material-ui/icons/VpnKey';

/**
 * The icon names a blueprint's `icon` may use. Blueprints name a kind of tool, not a
 * tool, so a platform team's own tool picks from the same set (or gives a URL).
 */
const ICONS = new Map<string, ComponentType<{ titleAccess?: string }>>([
  ['experiment', TimelineIcon],
  ['notebook', MenuBookIcon],
  ['workflow', AccountTreeIcon],
  ['storage', StorageIcon],
  ['identity', VpnKeyIcon],
  ['shield', SecurityIcon],
  ['labeling', PhotoLibraryIcon],
  ['analysis', AssessmentIcon],
  ['workspace', AccountBoxIcon],
]);

/** Side of an icon given as a URL, the size of the built-in icons. */
const IMAGE_SIZE = 24;

/**
 * The icon of a tool, from its blueprint's `icon` (the instance's icon annotation or
 * `InstanceSummary.icon`): a known icon name, or an `https://` image. An unknown name, or
 * no icon at all (a tool whose blueprint is not registered), gets a generic icon.
 */
export function ToolIcon(props: {
  icon?: string;
  /** What the icon stands for, read by screen readers: the tool id or title. */
  title?: string;
  /** @deprecated The tool id only titles the icon now; pass `icon` and `title`. */
  tool?: string;
}) {
  const title = props.title ?? props.tool ?? 'tool';
  const icon = props.icon ?? '';
  if (/^https:\/\//.test(icon)) {
    return (
      <img
        src={icon}
        alt={title}
        title={title}
        width={IMAGE_SIZE}
        height={IMAGE_SIZE}
      />
    );
  }
  const Icon = ICONS.get(icon) ?? BuildIcon;
  return <Icon titleAccess={title} />;
}
