import { Link } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { HealthStatus } from '@ml-platform/plugin-ml-tools-common';
import { BACKEND_NOT_FOUND, CallStateView } from '../CallStateView';
import { HEALTH_LABELS, HEALTH_STATUSES } from '../HealthStatusIndicator';
import { ToolIcon } from '../ToolIcon';
import { useMlToolsCall } from '../useMlToolsCall';
import { countByToolAndHealth, type HealthCounts } from './counts';

const useStyles = makeStyles(theme => ({
  tool: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  totals: {
    '& > *': { fontWeight: theme.typography.fontWeightBold },
  },
}));

/** Props of the "ML tools at a glance" home page card. */
export interface MlToolsSummaryContentProps {
  /** The ML tools page, whose filters each count links to; plain numbers without it. */
  pageLink?: string;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function CountCell(props: {
  count: number;
  pageLink?: string;
  query: Record<string, string>;
  label: string;
}) {
  if (!props.pageLink || props.count === 0) {
    return <TableCell align="right">{props.count}</TableCell>;
  }
  const search = new URLSearchParams(props.query).toString();
  return (
    <TableCell align="right">
      <Link
        to={search ? `${props.pageLink}?${search}` : props.pageLink}
        aria-label={props.label}
      >
        {props.count}
      </Link>
    </TableCell>
  );
}

function CountsRow(props: {
  counts: HealthCounts;
  pageLink?: string;
  isTotal?: boolean;
}) {
  const classes = useStyles();
  const { counts, pageLink, isTotal } = props;
  const toolQuery: Record<string, string> = isTotal
    ? {}
    : { tool: counts.tool };
  const who = isTotal ? 'all tools' : counts.tool;
  return (
    <TableRow className={isTotal ? classes.totals : undefined}>
      <TableCell component="th" scope="row">
        {isTotal ? (
          'All tools'
        ) : (
          <span className={classes.tool}>
            <ToolIcon tool={counts.tool} />
            {counts.tool}
          </span>
        )}
      </TableCell>
      <CountCell
        count={counts.total}
        pageLink={pageLink}
        query={toolQuery}
        label={`${plural(counts.total, 'instance')} of ${who}`}
      />
      {HEALTH_STATUSES.map((status: HealthStatus) => (
        <CountCell
          key={status}
          count={counts.byHealth[status]}
          pageLink={pageLink}
          query={{ ...toolQuery, health: status }}
          label={`${plural(counts.byHealth[status], 'instance')} of ${who}: ${
            HEALTH_LABELS[status]
          }`}
        />
      ))}
    </TableRow>
  );
}

/**
 * The deployed ML tool instances counted by tool and by health, each count linking to the
 * ML tools page filtered the same way.
 */
export function MlToolsSummaryContent(props: MlToolsSummaryContentProps) {
  const state = useMlToolsCall(api => api.listInstances(), 'home-summary');
  return (
    <CallStateView
      state={state}
      subject="the ML tool instances"
      notFound={BACKEND_NOT_FOUND}
      empty={{
        title: 'No ML tools yet',
        message:
          'Create one from a template; it is counted here once deployed.',
      }}
      isEmpty={response => response.items.length === 0}
    >
      {response => {
        const { rows, totals } = countByToolAndHealth(response.items);
        return (
          <>
            <Typography variant="body2" color="textSecondary" gutterBottom>
              {plural(totals.total, 'instance')} of{' '}
              {plural(rows.length, 'tool')};{' '}
              {totals.byHealth.error + totals.byHealth.degraded} need
              {totals.byHealth.error + totals.byHealth.degraded === 1
                ? 's'
                : ''}{' '}
              attention.
            </Typography>
            <Table
              size="small"
              aria-label="ML tool instances by tool and health"
            >
              <TableHead>
                <TableRow>
                  <TableCell>Tool</TableCell>
                  <TableCell align="right">Instances</TableCell>
                  {HEALTH_STATUSES.map(status => (
                    <TableCell key={status} align="right">
                      {HEALTH_LABELS[status]}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map(row => (
                  <CountsRow
                    key={row.tool}
                    counts={row}
                    pageLink={props.pageLink}
                  />
                ))}
                {rows.length > 1 && (
                  <CountsRow
                    counts={totals}
                    pageLink={props.pageLink}
                    isTotal
                  />
                )}
              </TableBody>
            </Table>
          </>
        );
      }}
    </CallStateView>
  );
}
