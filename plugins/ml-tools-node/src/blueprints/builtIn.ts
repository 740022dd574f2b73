import { keycloakBlueprint } from './keycloak';
import { airflowBlueprint } from './airflow';
import { jupyterhubBlueprint } from './jupyterhub';
import { minioBlueprint } from './minio';
import { kubeflowProfileBlueprint } from './kubeflowProfile';
import { mlflowBlueprint } from './mlflow';
import { protectServiceBlueprint } from './protectService';
import type { AnyToolBlueprint } from './types';

/**
 * The blueprints shipped with the suite.
 *
 * @public
 */
export const builtInBlueprints: readonly AnyToolBlueprint[] = Object.freeze([
  mlflowBlueprint,
  keycloakBlueprint,
  airflowBlueprint,
  jupyterhubBlueprint,
  minioBlueprint,
  protectServiceBlueprint,
  kubeflowProfileBlueprint,
]);
