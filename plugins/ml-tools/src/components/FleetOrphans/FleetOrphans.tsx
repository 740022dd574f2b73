import { useState } from 'react';
import { useApi, useApiHolder } from '@backstage/core-plugin-api';
import { ContentHeader } from '@backstage/core-components';
import {
  permissionApiRef,
  usePermission,
} from '@backstage/plugin-permission-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  mlToolsFleetManagePermission,
  type FleetOrphan,
  type OrphanAction,
  type OrphanActionResponse,
} from '@ml-platform/plugin-ml-tools-common';
import useAsync from 'react-use/esm/useAsync';
import { mlToolsApiRef } from '../../api';
import { useMlToolsCall } from '../useMlToolsCall';

const KIND_LABELS: Record<FleetOrphan['kind'], string> = {
  'client-without-release': 'Keycloak client without release',
  'release-without-entity': 'Release without catalog entity',
};

/** What an orphan action did or would do, one line per change. */
function ChangeList(props: { response: OrphanActionResponse }) {
  const { changes } = props.response;
  if (changes.length === 0) {
    return <DialogContentText>Nothing to change.</DialogContentText>;
  }
  return (
    <List dense aria-label="Changes">
      {changes.map((c, i) => (
        <ListItem key={i} disableGutters>
          <ListItemText
            primary={`${c.action} ${c.kind} ${c.name}`}
            secondary={c.detail}
          />
        </ListItem>
      ))}
    </List>
  );
}

/**
 * Confirms an action on one orphan. A removal first shows what the backend's dry run
 * says would go; an adoption asks for the owner.
 */
function OrphanActionDialog(props: {
  orphan: FleetOrphan;
  action: OrphanAction;
  onClose: (changed: boolean) => void;
}) {
  const { orphan, action, onClose } = props;
  const api = useApi(mlToolsApiRef);
  const [owner, setOwner] = useState('');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error>();
  const preview = useAsync(
    () =>
      action === 'remove'
        ? api.actOnOrphan(orphan, 'remove', { dryRun: true })
        : Promise.resolve(undefined),
    [api, orphan, action],
  );
  const confirm = async () => {
    setRunning(true);
    setError(undefined);
    try {
      await api.actOnOrphan(orphan, action, {
        ...(action === 'adopt' ? { owner: owner.trim() } : {}),
      });
      onClose(true);
    } catch (e) {
      setError(e as Error);
      setRunning(false);
    }
  };
  const title =
    action === 'remove' ? `Remove ${orphan.what}?` : `Adopt ${orphan.what}?`;
  return (
    <Dialog open onClose={() => onClose(false)} aria-labelledby="orphan-title">
      <DialogTitle id="orphan-title">{title}</DialogTitle>
      <DialogContent>
        {action === 'remove' ? (
          <>
            <DialogContentText>
              This deletes what the portal made for {orphan.instanceRef}, as
              decommissioning it would. It cannot be undone.
            </DialogContentText>
            {preview.loading && (
              <DialogContentText>Checking what would change…</DialogContentText>
            )}
            {preview.error && (
              <DialogContentText color="error">
                Could not check what would change: {preview.error.message}
              </DialogContentText>
            )}
            {preview.value && <ChangeList response={preview.value} />}
          </>
        ) : (
          <>
            <DialogContentText>
              {orphan.instanceRef} becomes an instance again, owned by the group
              or user you name, and appears in the catalog.
            </DialogContentText>
            <TextField
              fullWidth
              required
              id="orphan-owner"
              label="Owner"
              placeholder="group:default/data-science"
              helperText="Entity ref of a Group or User"
              value={owner}
              onChange={e => setOwner(e.target.value)}
            />
          </>
        )}
        {error && (
          <Typography color="error" role="alert">
            {error.message}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose(false)}>Cancel</Button>
        <Button
          color={action === 'remove' ? 'secondary' : 'primary'}
          variant="contained"
          disabled={
            running ||
            (action === 'adopt' && owner.trim() === '') ||
            (action === 'remove' && !preview.value)
          }
          onClick={confirm}
        >
          {action === 'remove' ? 'Remove' : 'Adopt'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** The orphan list, for callers holding the fleet manage permission. */
function OrphanList() {
  const [reload, setReload] = useState(0);
  const state = useMlToolsCall(api => api.listOrphans(), String(reload));
  const [acting, setActing] = useState<{
    orphan: FleetOrphan;
    action: OrphanAction;
  }>();
  // A backend without the route, or a policy that says no after all: nothing to show.
  if (state.error || !state.value) return null;
  const { items, unreadClusters } = state.value;
  return (
    <section aria-label="Orphans">
      <ContentHeader title={`Orphans (${items.length})`} />
      {unreadClusters.length > 0 && (
        <Typography variant="body2" color="textSecondary">
          Not known for {unreadClusters.join(', ')}: those clusters could not be
          read.
        </Typography>
      )}
      {items.length === 0 ? (
        <Typography variant="body2">
          Every piece of the fleet belongs to an instance.
        </Typography>
      ) : (
        <List>
          {items.map(orphan => (
            <ListItem
              key={`${orphan.kind}:${orphan.id}`}
              divider
              aria-label={orphan.what}
            >
              <ListItemText
                primary={`${orphan.what} · ${KIND_LABELS[orphan.kind]}`}
                secondary={`${orphan.instanceRef}: ${orphan.message}`}
              />
              <Box display="flex" gridGap={8} ml={2}>
                {orphan.kind === 'release-without-entity' && (
                  <Button
                    variant="outlined"
                    onClick={() => setActing({ orphan, action: 'adopt' })}
                  >
                    Adopt
                  </Button>
                )}
                <Button
                  variant="outlined"
                  color="secondary"
                  onClick={() => setActing({ orphan, action: 'remove' })}
                >
                  Remove
                </Button>
              </Box>
            </ListItem>
          ))}
        </List>
      )}
      {acting && (
        <OrphanActionDialog
          orphan={acting.orphan}
          action={acting.action}
          onClose={changed => {
            setActing(undefined);
            if (changed) setReload(r => r + 1);
          }}
        />
      )}
    </section>
  );
}

function PermittedOrphans() {
  const { allowed } = usePermission({
    permission: mlToolsFleetManagePermission,
  });
  return allowed ? <OrphanList /> : null;
}

/**
 * Orphans of the fleet (Keycloak clients whose release is gone, releases without a
 * catalog entity), each with its Adopt and Remove actions. Shown only to holders of
 * `ml-tools.fleet.manage`, and not at all in an app without a permission API. Part of
 * the ML tools page in both frontend systems.
 *
 * @internal
 */
export function FleetOrphans() {
  const apis = useApiHolder();
  return apis.get(permissionApiRef) ? <PermittedOrphans /> : null;
}
