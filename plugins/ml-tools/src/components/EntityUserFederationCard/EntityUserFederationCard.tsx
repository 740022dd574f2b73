import {
  InfoCard,
  LinkButton,
  StructuredMetadataTable,
  type InfoCardVariants,
} from '@backstage/core-components';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import type { UserFederationHealthResponse } from '@ml-platform/plugin-ml-tools-common';
import { CallStateView } from '../CallStateView';
import { HealthStatusIndicator } from '../HealthStatusIndicator';
import { useMlToolsCall } from '../useMlToolsCall';

const NONE = '—';

const VENDORS: Record<string, string> = {
  ad: 'Active Directory',
  rhds: 'Red Hat Directory Server',
  tivoli: 'IBM Tivoli Directory Server',
  edirectory: 'Novell eDirectory',
  other: 'LDAP (OpenLDAP or other)',
};

function FederationView(props: { health: UserFederationHealthResponse }) {
  const { health } = props;
  // Fields are picked one by one, so a field added to the answer later is never shown
  // by accident.
  const metadata = {
    Status: <HealthStatusIndicator status={health.status} />,
    Realm: health.realm,
    Directory: health.connectionUrl ?? NONE,
    Vendor: health.vendor ? VENDORS[health.vendor] ?? health.vendor : NONE,
    'Edit mode': health.editMode ?? NONE,
    'Last sync': health.lastSync
      ? new Date(health.lastSync).toLocaleString()
      : 'Never',
    Users: String(health.users),
    Groups: String(health.groups),
  };
  return (
    <>
      <StructuredMetadataTable
        metadata={metadata}
        dense
        options={{ titleFormat: key => key }}
      />
      {health.errors.length > 0 && (
        <Box mt={2}>
          {health.errors.map(error => (
            <Typography key={error} color="error" variant="body2">
              {error}
            </Typography>
          ))}
        </Box>
      )}
      {health.consoleUrl && (
        <Box mt={2}>
          <LinkButton
            to={health.consoleUrl}
            variant="outlined"
            color="primary"
            startIcon={<VpnKeyIcon />}
          >
            Open in Keycloak console
          </LinkButton>
        </Box>
      )}
    </>
  );
}

/**
 * Props of {@link EntityUserFederationCard}.
 *
 * @public
 */
export interface EntityUserFederationCardProps {
  variant?: InfoCardVariants;
}

/**
 * Health of the LDAP / Active Directory user federation in the current entity context:
 * last sync, users and groups imported, and what is wrong (never the bind credential).
 *
 * @public
 */
export function EntityUserFederationCard(props: EntityUserFederationCardProps) {
  const { entity } = useEntity();
  const state = useMlToolsCall(
    api => api.getUserFederationHealth(getCompoundEntityRef(entity)),
    stringifyEntityRef(entity),
  );
  return (
    <InfoCard title="User federation" variant={props.variant}>
      <CallStateView
        state={state}
        subject="this user federation"
        notFound={{
          title: 'Federation not found',
          message: 'This entity is not a user federation the portal manages.',
        }}
        empty={{
          title: 'No federation details',
          message: 'Keycloak returned no details for this federation.',
        }}
        isEmpty={health => !health.name}
      >
        {health => <FederationView health={health} />}
      </CallStateView>
    </InfoCard>
  );
}
