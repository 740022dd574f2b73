import { airflowBlueprint } from './airflow';
import { debiaiBlueprint } from './debiai';
import { jupyterhubBlueprint } from './jupyterhub';
import { keycloakBlueprint } from './keycloak';
import { kubeflowProfileBlueprint } from './kubeflowProfile';
import { minioBlueprint } from './minio';
import { mlflowBlueprint } from './mlflow';
import { pixanoBlueprint } from './pixano';
import { protectServiceBlueprint } from './protectService';
import type { AnyToolBlueprint } from './types';

/**
 * The blueprints shipped with the suite.
 *
 * @public
 */
export const builtInBlueprints: readonly AnyToolBlueprint[] = Object.freeze([
  mlflowBlueprint,
  jupyterhubBlueprint,
  airflowBlueprint,
  minioBlueprint,
  protectServiceBlueprint,
  pixanoBlueprint,
  debiaiBlueprint,
  keycloakBlueprint,
  kubeflowProfileBlueprint,
]);
