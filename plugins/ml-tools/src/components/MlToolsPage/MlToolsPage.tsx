import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Content,
  ContentHeader,
  Header,
  ItemCardGrid,
  ItemCardHeader,
  LinkButton,
  Page,
} from '@backstage/core-components';
import { parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Card from '@material-ui/core/Card';
import CardActions from '@material-ui/core/CardActions';
import CardContent from '@material-ui/core/CardContent';
import CardMedia from '@material-ui/core/CardMedia';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  HealthStatus,
  InstanceListResponse,
  InstanceSummary,
} from '@ml-platform/plugin-ml-tools-common';
import { CallStateView, CardMessage } from '../CallStateView';
import {
  HEALTH_LABELS,
  HEALTH_STATUSES,
  HealthStatusIndicator,
} from '../HealthStatusIndicator';
import { ToolIcon } from '../ToolIcon';
import { useMlToolsCall } from '../useMlToolsCall';
import { FleetOrphans } from '../FleetOrphans';

const useStyles = makeStyles(theme => ({
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(3),
  },
  filter: {
    minWidth: 200,
  },
  title: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  card: {
    display: 'flex',
    flexDirection: 'column',
  },
  content: {
    flexGrow: 1,
  },
  actions: {
    justifyContent: 'space-between',
  },
}));

/** Keys of the filters, also their URL query parameters so a filtered view can be shared. */
const FILTER_KEYS = [
  'category',
  'tool',
  'owner',
  'health',
  'attention',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Partial<Record<FilterKey, string>>;

function ownerLabel(owner: string): string {
  try {
    return parseEntityRef(owner, { defaultKind: 'group' }).name;
  } catch {
    return owner;
  }
}

function matches(instance: InstanceSummary, filters: Filters): boolean {
  return (
    (!filters.category || instance.category === filters.category) &&
    (!filters.tool || instance.tool === filters.tool) &&
    (!filters.owner || instance.owner === filters.owner) &&
    (!filters.health || instance.health === filters.health) &&
    (!filters.attention || needsAttention(instance))
  );
}

/** Where the clusters or Keycloak disagree with what was deployed. */
function needsAttention(instance: InstanceSummary): boolean {
  return (instance.drift?.length ?? 0) > 0;
}

function FilterSelect(props: {
  id: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  const classes = useStyles();
  return (
    <TextField
      id={props.id}
      className={classes.filter}
      select
      label={props.label}
      value={props.value}
      onChange={event => props.onChange(event.target.value)}
      variant="outlined"
      size="small"
      // A native select is keyboard- and screen-reader-friendly without extra work.
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
    >
      <option value="">All</option>
      {props.options.map(option => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </TextField>
  );
}

function InstanceTile(props: { instance: InstanceSummary }) {
  const classes = useStyles();
  const { instance } = props;
  return (
    <Card
      className={classes.card}
      component="article"
      aria-label={instance.title}
    >
      <CardMedia>
        <ItemCardHeader
          title={
            <span className={classes.title}>
              <ToolIcon icon={instance.icon} title={instance.tool} />
              {instance.title}
            </span>
          }
          subtitle={
            instance.category
              ? `${instance.tool} · ${instance.category}`
              : instance.tool
          }
        />
      </CardMedia>
      <CardContent className={classes.content}>
        <Box mb={1} aria-label="Health status">
          <HealthStatusIndicator status={instance.health} />
        </Box>
        {needsAttention(instance) && (
          <Box mb={1} role="note" aria-label="Needs attention">
            <Typography variant="body2" color="error">
              Needs attention:
            </Typography>
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {instance.drift!.map(reason => (
                <li key={`${reason.kind}:${reason.message}`}>
                  <Typography variant="body2">{reason.message}</Typography>
                </li>
              ))}
            </ul>
          </Box>
        )}
        <Typography variant="body2">
          Owner:{' '}
          <EntityRefLink entityRef={instance.owner} defaultKind="group" />
        </Typography>
        <Typography variant="body2" color="textSecondary">
          {instance.cluster} / {instance.namespace}
        </Typography>
      </CardContent>
      <CardActions className={classes.actions}>
        <EntityRefLink entityRef={instance.entityRef} hideIcon>
          Details
        </EntityRefLink>
        {instance.uiUrl ? (
          <LinkButton to={instance.uiUrl} color="primary" variant="contained">
            Open
          </LinkButton>
        ) : (
          // Kept visible but disabled so tiles line up and the missing UI is explicit.
          <Button variant="contained" disabled>
            Open
          </Button>
        )}
      </CardActions>
    </Card>
  );
}

function InstanceGrid(props: { response: InstanceListResponse }) {
  const classes = useStyles();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters: Filters = Object.fromEntries(
    FILTER_KEYS.map(key => [key, searchParams.get(key) ?? '']),
  );
  const items = props.response.items;

  // Options come from the whole list, not the filtered one, so choosing a tool never
  // hides the other tools from the tool filter.
  const options = useMemo(() => {
    const distinct = (values: string[]) =>
      [...new Set(values)].sort((a, b) => a.localeCompare(b));
    return {
      category: distinct(
        items.flatMap(i => (i.category ? [i.category] : [])),
      ).map(v => ({ value: v, label: v })),
      tool: distinct(items.map(i => i.tool)).map(v => ({ value: v, label: v })),
      owner: distinct(items.map(i => i.owner)).map(v => ({
        value: v,
        label: ownerLabel(v),
      })),
      health: HEALTH_STATUSES.map(v => ({
        value: v,
        label: HEALTH_LABELS[v as HealthStatus],
      })),
    };
  }, [items]);

  const setFilter = (key: FilterKey, value: string) => {
    const next = new URLSearchParams(searchParams);
    if (value) {
      next.set(key, value);
    } else {
      next.delete(key);
    }
    setSearchParams(next, { replace: true });
  };
  const clearFilters = () => {
    const next = new URLSearchParams(searchParams);
    FILTER_KEYS.forEach(key => next.delete(key));
    setSearchParams(next, { replace: true });
  };

  const attentionCount = items.filter(needsAttention).length;
  const visible = items
    .filter(instance => matches(instance, filters))
    .sort((a, b) => a.title.localeCompare(b.title));

  return (
    <>
      <div className={classes.filters} role="search" aria-label="Filters">
        {options.category.length > 0 && (
          // Only when blueprints name categories: an empty select would only add noise.
          <FilterSelect
            id="ml-tools-filter-category"
            label="Category"
            value={filters.category ?? ''}
            options={options.category}
            onChange={value => setFilter('category', value)}
          />
        )}
        <FilterSelect
          id="ml-tools-filter-tool"
          label="Tool"
          value={filters.tool ?? ''}
          options={options.tool}
          onChange={value => setFilter('tool', value)}
        />
        <FilterSelect
          id="ml-tools-filter-owner"
          label="Owner"
          value={filters.owner ?? ''}
          options={options.owner}
          onChange={value => setFilter('owner', value)}
        />
        <FilterSelect
          id="ml-tools-filter-health"
          label="Health"
          value={filters.health ?? ''}
          options={options.health}
          onChange={value => setFilter('health', value)}
        />
        <Button
          variant={filters.attention ? 'contained' : 'outlined'}
          color={attentionCount > 0 ? 'secondary' : 'default'}
          aria-pressed={Boolean(filters.attention)}
          disabled={attentionCount === 0 && !filters.attention}
          onClick={() =>
            setFilter('attention', filters.attention ? '' : 'true')
          }
        >
          Needs attention ({attentionCount})
        </Button>
      </div>
      {visible.length === 0 ? (
        <>
          <CardMessage title="No instance matches these filters">
            {items.length} instance{items.length === 1 ? '' : 's'} hidden by the
            filters.
          </CardMessage>
          <Button variant="outlined" onClick={clearFilters}>
            Clear filters
          </Button>
        </>
      ) : (
        <section aria-label="Instances">
          <ItemCardGrid>
            {visible.map(instance => (
              <InstanceTile key={instance.entityRef} instance={instance} />
            ))}
          </ItemCardGrid>
        </section>
      )}
    </>
  );
}

/**
 * The filters and the grid of instance tiles, without page chrome: the new frontend
 * system's page layout brings its own header.
 */
export function MlToolsPageContent() {
  // The whole list is fetched once and filtered here: the filter options need every
  // instance anyway, and changing a filter then needs no round trip.
  const state = useMlToolsCall(api => api.listInstances(), 'all');
  return (
    <>
      <CallStateView
        state={state}
        subject="the ML tool instances"
        notFound={{
          title: 'ML tools backend not found',
          message:
            'The ML tools backend plugin is not installed in this portal.',
        }}
        empty={{
          title: 'No ML tools yet',
          message:
            'Create one from a software template; it appears here once deployed.',
        }}
        isEmpty={response => response.items.length === 0}
      >
        {response => <InstanceGrid response={response} />}
      </CallStateView>
      <FleetOrphans />
    </>
  );
}

/**
 * The ML tools page with its legacy header, for the legacy routable extension.
 */
export function MlToolsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="ML tools"
        subtitle="Every deployed ML tool instance, its health and where to open it"
      />
      <Content>
        <ContentHeader title="Instances" />
        <MlToolsPageContent />
      </Content>
    </Page>
  );
}
