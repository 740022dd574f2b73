import type { ReactNode } from 'react';
import Grid from '@material-ui/core/Grid';
import {
  EntityMlToolAccessCard,
  EntityMlToolHealthCard,
  EntityMlToolLinksCard,
} from '../../plugin';

/**
 * The overview of an ML tool instance for apps on the legacy frontend system: health,
 * access and links first, side by side, then what the app passes (the About card, for
 * instance). Use it in the EntityPage's switch for `isMlToolHealthAvailable`, instead
 * of the default overview with its relation tables and links card.
 *
 * @public
 */
export function EntityMlToolInstanceOverview(props: { children?: ReactNode }) {
  return (
    <Grid container spacing={3} alignItems="stretch">
      <Grid item xs={12} md={4}>
        <EntityMlToolHealthCard />
      </Grid>
      <Grid item xs={12} md={4}>
        <EntityMlToolAccessCard />
      </Grid>
      <Grid item xs={12} md={4}>
        <EntityMlToolLinksCard />
      </Grid>
      {props.children && (
        <Grid item xs={12}>
          {props.children}
        </Grid>
      )}
    </Grid>
  );
}
