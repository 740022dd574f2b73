import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { HealthStatus } from '@ml-platform/plugin-ml-tools-common';

/** Words a person reads next to a status, so colour is never the only signal. */
export const HEALTH_LABELS: Record<HealthStatus, string> = {
  ok: 'Healthy',
  degraded: 'Degraded',
  error: 'Error',
  unknown: 'Unknown',
};

/** Order of the health filter and of severity: worst first is what people scan for. */
export const HEALTH_STATUSES: HealthStatus[] = [
  'error',
  'degraded',
  'unknown',
  'ok',
];

const useIndicatorStyles = makeStyles({
  // The status components hide themselves from assistive technology, so the words are
  // repeated here for screen readers only.
  srOnly: {
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
});

function StatusDot(props: { status: HealthStatus; label: string }) {
  switch (props.status) {
    case 'ok':
      return <StatusOK>{props.label}</StatusOK>;
    case 'degraded':
      return <StatusWarning>{props.label}</StatusWarning>;
    case 'error':
      return <StatusError>{props.label}</StatusError>;
    default:
      return <StatusPending>{props.label}</StatusPending>;
  }
}

/** A coloured dot followed by the status in words. */
export function HealthStatusIndicator(props: { status: HealthStatus }) {
  const classes = useIndicatorStyles();
  const label = HEALTH_LABELS[props.status] ?? HEALTH_LABELS.unknown;
  return (
    <span>
      <StatusDot status={props.status} label={label} />
      <span className={classes.srOnly}>{label}</span>
    </span>
  );
}

const useChipStyles = makeStyles(theme => ({
  ok: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
  degraded: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  error: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  unknown: {},
}));

/** A filled chip whose colour matches the status. */
export function HealthStatusChip(props: { status: HealthStatus }) {
  const classes = useChipStyles();
  const status = props.status in HEALTH_LABELS ? props.status : 'unknown';
  return (
    <Chip
      size="small"
      label={HEALTH_LABELS[status]}
      className={classes[status]}
    />
  );
}
