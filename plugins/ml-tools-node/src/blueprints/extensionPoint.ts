import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { AnyToolBlueprint } from './types';

/**
 * Lets another backend module add tool blueprints next to the built-in ones.
 *
 * @public
 */
export interface MlToolsBlueprintsExtensionPoint {
  /** Adds blueprints; ids must be unique across built-in and added ones. */
  addBlueprints(...blueprints: AnyToolBlueprint[]): void;
}

/**
 * Extension point through which modules of the scaffolder plugin add blueprints to the
 * provisioning actions.
 *
 * @public
 */
export const mlToolsBlueprintsExtensionPoint =
  createExtensionPoint<MlToolsBlueprintsExtensionPoint>({
    id: 'ml-tools.blueprints',
  });
