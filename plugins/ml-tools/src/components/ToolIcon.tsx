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
import type { BuiltInToolId } from '@ml-platform/plugin-ml-tools-common';

const TOOL_ICONS: Record<
  BuiltInToolId,
  ComponentType<{ titleAccess?: string }>
> = {
  mlflow: TimelineIcon,
  airflow: AccountTreeIcon,
  jupyterhub: MenuBookIcon,
  minio: StorageIcon,
  keycloak: VpnKeyIcon,
  'auth-proxy': SecurityIcon,
  pixano: PhotoLibraryIcon,
  debiai: AssessmentIcon,
  'kubeflow-profile': AccountBoxIcon,
};

/**
 * The icon of a tool. Tools registered by a platform team through the blueprint
 * extension point are unknown here and get a generic icon.
 */
export function ToolIcon(props: { tool: string }) {
  const Icon =
    (TOOL_ICONS as Record<string, ComponentType<{ titleAccess?: string }>>)[
      props.tool
    ] ?? BuildIcon;
  return <Icon titleAccess={props.tool} />;
}
