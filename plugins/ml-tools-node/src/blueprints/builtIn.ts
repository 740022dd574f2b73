import { kubeflowProfileBlueprint } from './kubeflowProfile';
import { mlflowBlueprint } from './mlflow';
import type { AnyToolBlueprint } from './types';

/**
 * The blueprints shipped with the suite.
 *
 * @public
 */
export const builtInBlueprints: readonly AnyToolBlueprint[] = Object.freeze([
  mlflowBlueprint,
  kubeflowProfileBlueprint,
]);
