import { debiaiBlueprint } from './debiai';
import { mlflowBlueprint } from './mlflow';
import { pixanoBlueprint } from './pixano';
import type { AnyToolBlueprint } from './types';

/**
 * The blueprints shipped with the suite.
 *
 * @public
 */
export const builtInBlueprints: readonly AnyToolBlueprint[] = Object.freeze([
  mlflowBlueprint,
  pixanoBlueprint,
  debiaiBlueprint,
]);
