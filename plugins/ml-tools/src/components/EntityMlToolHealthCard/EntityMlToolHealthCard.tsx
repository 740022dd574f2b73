import { useEffect } from 'react';
import { InfoCard, type InfoCardVariants } from '@backstage/core-components';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  HealthCheck,
  InstanceHealthResponse,
} from '@ml-platform/plugin-ml-tools-common';
import { CallStateView } from '../CallStateView';
import {
  HealthStatusChip,
  HealthStatusIndicator,
} from '../HealthStatusIndicator';
import { useMlToolsCall } from '../useMlToolsCall';

const useStyles = makeStyles(theme => ({
  check: {
    display: 'block',
    paddingLeft: 0,
    paddingRight: 0,
  },
  checkHeader: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  details: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    marginTop: theme.spacing(0.5),
  },
}));

function CheckItem(props: { check: HealthCheck }) {
  const classes = useStyles();
  const { check } = props;
  const details = Object.entries(check.details ?? {});
  return (
    <ListItem
      className={classes.check}
      divider
      aria-label={`${check.title}: ${check.status}`}
    >
      <div className={classes.checkHeader}>
        <Typography variant="subtitle2">{check.title}</Typography>
        <HealthStatusChip status={check.status} />
      </div>
      <Typography variant="body2" color="textSecondary">
        {check.reason}
      </Typography>
      {details.length > 0 && (
        <div className={classes.details}>
          {details.map(([key, value]) => (
            <Chip
              key={key}
              size="small"
              variant="outlined"
              label={`${key}: ${String(value)}`}
            />
          ))}
        </div>
      )}
    </ListItem>
  );
}

/** How often the card asks again while the instance is not healthy. */
const REFRESH_MS = 10_000;

/** Overall status first, then each check, so a failing instance is seen at a glance. */
function HealthView(props: { health: InstanceHealthResponse }) {
  const { health } = props;
  const fetchedAt = new Date(health.fetchedAt);
  return (
    <>
      <Box display="flex" alignItems="baseline" justifyContent="space-between">
        <Typography variant="h6" component="p" aria-label="Overall health">
          <HealthStatusIndicator status={health.status} />
        </Typography>
        {!Number.isNaN(fetchedAt.getTime()) && (
          <Typography variant="caption" color="textSecondary">
            Checked {fetchedAt.toLocaleString()}
          </Typography>
        )}
      </Box>
      {health.drift && health.drift.length > 0 && (
        <Box mt={1} role="note" aria-label="Needs attention">
          <Typography variant="subtitle2" color="error">
            Needs attention: the cluster or Keycloak differ from what was
            deployed
          </Typography>
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            {health.drift.map(reason => (
              <li key={`${reason.kind}:${reason.message}`}>
                <Typography variant="body2">{reason.message}</Typography>
              </li>
            ))}
          </ul>
        </Box>
      )}
      <List dense aria-label="Health checks">
        {health.checks.map(check => (
          <CheckItem key={check.id} check={check} />
        ))}
      </List>
    </>
  );
}

/**
 * Props of {@link EntityMlToolHealthCard}.
 *
 * @public
 */
export interface EntityMlToolHealthCardProps {
  variant?: InfoCardVariants;
  /** How often checks are asked again while the instance is not healthy (default 10 s). */
  refreshIntervalMs?: number;
}

/**
 * Health of the tool instance in the current entity context.
 *
 * @public
 */
export function EntityMlToolHealthCard(props: EntityMlToolHealthCardProps) {
  const { entity } = useEntity();
  const state = useMlToolsCall(
    api => api.getInstanceHealth(getCompoundEntityRef(entity)),
    stringifyEntityRef(entity),
  );
  // An instance on its way up (or down) is watched until it is healthy: checks are
  // asked again every REFRESH_MS while any of them is not ok.
  const { retry, loading } = state;
  const settled = state.value?.status === 'ok' || !!state.error;
  useEffect(() => {
    if (settled || loading) return undefined;
    const timer = setTimeout(retry, props.refreshIntervalMs ?? REFRESH_MS);
    return () => clearTimeout(timer);
  }, [settled, loading, retry, props.refreshIntervalMs]);
  return (
    <InfoCard title="Health" variant={props.variant}>
      <CallStateView
        state={state}
        subject="the health of this instance"
        notFound={{
          title: 'Instance not found',
          message:
            'The ML tools backend does not know this instance. It may have been removed or not be deployed yet.',
        }}
        empty={{
          title: 'No health checks',
          message: 'This tool defines no health checks.',
        }}
        isEmpty={health => health.checks.length === 0}
      >
        {health => <HealthView health={health} />}
      </CallStateView>
    </InfoCard>
  );
}
