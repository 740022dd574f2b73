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
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import type { KeycloakClientSummaryResponse } from '@ml-platform/plugin-ml-tools-common';
import { CallStateView } from '../CallStateView';
import { useMlToolsCall } from '../useMlToolsCall';

const NONE = '—';

function ClientView(props: { client: KeycloakClientSummaryResponse }) {
  const { client } = props;
  // Fields are picked one by one rather than spreading the answer, so a field added to
  // the response later (and possibly sensitive) is never shown by accident.
  const metadata = {
    'Client ID': client.clientId,
    Enabled: client.enabled ? 'Yes' : 'No',
    Protocol: client.protocol,
    'Access type': client.publicClient ? 'Public' : 'Confidential',
    'Redirect URIs': client.redirectUris.length ? client.redirectUris : NONE,
    'Default client scopes': client.defaultClientScopes.length
      ? client.defaultClientScopes
      : NONE,
    Audience: client.audience ?? NONE,
    Instance: client.instanceRef ?? NONE,
  };
  return (
    <>
      <StructuredMetadataTable
        metadata={metadata}
        dense
        options={{ titleFormat: key => key }}
      />
      {client.consoleUrl && (
        <Box mt={2}>
          <LinkButton
            to={client.consoleUrl}
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
 * Props of {@link EntityKeycloakClientCard}.
 *
 * @public
 */
export interface EntityKeycloakClientCardProps {
  variant?: InfoCardVariants;
}

/**
 * Facts of the Keycloak client in the current entity context (never its secret), with a
 * link to the client in the Keycloak admin console.
 *
 * @public
 */
export function EntityKeycloakClientCard(props: EntityKeycloakClientCardProps) {
  const { entity } = useEntity();
  const state = useMlToolsCall(
    api => api.getKeycloakClient(getCompoundEntityRef(entity)),
    stringifyEntityRef(entity),
  );
  return (
    <InfoCard title="Keycloak client" variant={props.variant}>
      <CallStateView
        state={state}
        subject="this Keycloak client"
        notFound={{
          title: 'Client not found',
          message:
            'Keycloak has no client for this entity. It may have been deleted outside Backstage.',
        }}
        empty={{
          title: 'No client details',
          message: 'Keycloak returned no details for this client.',
        }}
        isEmpty={client => !client.clientId}
      >
        {client => <ClientView client={client} />}
      </CallStateView>
    </InfoCard>
  );
}
