import { ReactNode } from 'react';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import LockIcon from '@material-ui/icons/Lock';
import InfoIcon from '@material-ui/icons/InfoOutlined';
import { classifyMlToolsError } from '../api';
import type { MlToolsCallState } from './useMlToolsCall';

/** A short, centred message with an icon: small enough to sit inside a card. */
export function CardMessage(props: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
}) {
  return (
    <Box
      display="flex"
      alignItems="flex-start"
      py={2}
      role="status"
      aria-label={props.title}
    >
      <Box mr={1.5} mt={0.25} color="text.secondary">
        {props.icon ?? <InfoIcon />}
      </Box>
      <Box>
        <Typography variant="subtitle1">{props.title}</Typography>
        {props.children && (
          <Typography variant="body2" color="textSecondary">
            {props.children}
          </Typography>
        )}
      </Box>
    </Box>
  );
}

/** What every list of instances says when the ML tools backend is not installed (404). */
export const BACKEND_NOT_FOUND = {
  title: 'ML tools backend not found',
  message: 'The ML tools backend plugin is not installed in this portal.',
};

/** Props of {@link CallStateView}. */
export interface CallStateViewProps<T> {
  state: MlToolsCallState<T>;
  /** What the card shows, in words (for example "the health of this instance"). */
  subject: string;
  /** Shown when the backend does not know the entity (404). */
  notFound: { title: string; message: string };
  /** Shown when the answer holds nothing to list. */
  empty: { title: string; message: string };
  isEmpty: (value: T) => boolean;
  children: (value: T) => ReactNode;
}

/**
 * The loading, denied, not-found, error and empty states every ML tools card shares, so
 * a user sees the same words for the same situation on every card.
 */
export function CallStateView<T>(props: CallStateViewProps<T>) {
  const { state } = props;
  // A refresh keeps showing what was there; only a first load shows progress.
  if (state.loading && state.value === undefined) {
    return <Progress />;
  }
  if (state.error) {
    switch (classifyMlToolsError(state.error)) {
      case 'denied':
        return (
          <CardMessage icon={<LockIcon />} title="You don't have access">
            You are not allowed to see {props.subject}. Ask its owner or a
            platform administrator for access.
          </CardMessage>
        );
      case 'not-found':
        return (
          <CardMessage title={props.notFound.title}>
            {props.notFound.message}
          </CardMessage>
        );
      default:
        return (
          <>
            <ResponseErrorPanel
              error={state.error}
              title={`Could not load ${props.subject}`}
            />
            <Box mt={1}>
              <Button size="small" variant="outlined" onClick={state.retry}>
                Retry
              </Button>
            </Box>
          </>
        );
    }
  }
  if (state.value === undefined || props.isEmpty(state.value)) {
    return (
      <CardMessage title={props.empty.title}>{props.empty.message}</CardMessage>
    );
  }
  return <>{props.children(state.value)}</>;
}
