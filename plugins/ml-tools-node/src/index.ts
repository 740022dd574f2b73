/**
 * Node library of the ML tools plugins: config reader, Kubernetes and Keycloak
 * gateways, tool blueprints, their registry and extension point.
 *
 * @packageDocumentation
 */

export {
  readMlToolsConfig,
  isNamespaceAllowed,
} from './config/readMlToolsConfig';
export { namespaceRefusal, SYSTEM_NAMESPACE_PATTERNS } from './config/policy';
export type { MlToolsGroupsConfig } from './config/policy';
export type {
  MlToolsConfig,
  MlToolsClusterConfig,
  MlToolsKeycloakConfig,
  MlToolsDeployConfig,
  MlToolsChartRepository,
} from './config/readMlToolsConfig';

export type {
  K8sObject,
  K8sObjectRef,
  K8sListQuery,
  K8sWaitState,
  K8sWaitOptions,
  KubernetesGateway,
  GatewayCall,
  GatewayHooks,
  GatewayReadOptions,
} from './kubernetes/types';
export { KubernetesClientGateway } from './kubernetes/KubernetesClientGateway';
export { makeKubeConfig } from './kubernetes/kubeConfig';
export type { KubernetesClientGatewayOptions } from './kubernetes/KubernetesClientGateway';
export {
  ensureK8sObject,
  isSubset,
  stableStringify,
  desiredStateHash,
  withAppliedHash,
  isManagedByUs,
  refOf,
  describeRef,
} from './kubernetes/ensure';
export type {
  EnsureAction,
  EnsureResult,
  EnsureK8sObjectOptions,
} from './kubernetes/ensure';
export { releaseReadiness } from './kubernetes/readiness';

export type {
  KeycloakGateway,
  KcClient,
  KcClientScope,
  KcGroup,
  KcProtocolMapper,
  KcRole,
  KcGroupClientRoles,
  KcUser,
  KcComponent,
  KcLdapTest,
  KcLdapTestResult,
  KcRealm,
  KcSyncResult,
  KeycloakFederationGateway,
} from './keycloak/types';
export { KeycloakAdminGateway } from './keycloak/KeycloakAdminGateway';
export type { KeycloakAdminGatewayOptions } from './keycloak/KeycloakAdminGateway';
export { TokenManager, jwtExpiry } from './keycloak/TokenManager';
export type { AccessToken } from './keycloak/TokenManager';

export type {
  ToolBlueprint,
  AnyToolBlueprint,
  BlueprintChart,
  BlueprintSecret,
  SecretGenerator,
  BlueprintRole,
  BlueprintClient,
  BlueprintKeycloak,
  BlueprintContext,
  BlueprintRelease,
  BlueprintObject,
  BlueprintPart,
  BlueprintValueFromSecret,
  BlueprintWorkload,
  BlueprintCondition,
  BlueprintBackingStore,
  BlueprintPrecondition,
  BlueprintGroupMember,
} from './blueprints/types';
export { DefaultBlueprintRegistry } from './blueprints/registry';
export type { BlueprintRegistry } from './blueprints/registry';
export {
  mlToolsBlueprintsExtensionPoint,
  mlToolsBlueprintRegistryServiceRef,
} from './blueprints/extensionPoint';
export type {
  MlToolsBlueprintsExtensionPoint,
  BlueprintRegistryService,
} from './blueprints/extensionPoint';
export { mlflowBlueprint, mlflowParametersSchema } from './blueprints/mlflow';
export {
  JUPYTERHUB_DEFAULT_IMAGE,
  jupyterhubBlueprint,
  jupyterhubParametersSchema,
  jupyterhubSettingsSchema,
} from './blueprints/jupyterhub';
export type {
  JupyterhubParameters,
  JupyterhubSettings,
} from './blueprints/jupyterhub';
export {
  kubeflowProfileBlueprint,
  kubeflowProfileParametersSchema,
  kubeflowProfileSettingsSchema,
  kubeflowBindingName,
} from './blueprints/kubeflowProfile';
export type {
  KubeflowProfileParameters,
  KubeflowProfileSettings,
  KubeflowRole,
} from './blueprints/kubeflowProfile';
export { featureCacheBlueprint } from './blueprints/examples/featureCache';
export type { FeatureCacheParameters } from './blueprints/examples/featureCache';
export type { MlflowParameters } from './blueprints/mlflow';
export {
  keycloakBlueprint,
  keycloakParametersSchema,
} from './blueprints/keycloak';
export type { KeycloakParameters } from './blueprints/keycloak';
export {
  airflowBlueprint,
  airflowParametersSchema,
  airflowRolesMapping,
  airflowWebserverConfig,
  gitWebUrl,
} from './blueprints/airflow';
export type { AirflowParameters } from './blueprints/airflow';
export {
  minioBlueprint,
  minioParametersSchema,
  minioS3Host,
  MINIO_POLICY_CLAIM,
} from './blueprints/minio';
export type { MinioParameters } from './blueprints/minio';
export {
  protectServiceBlueprint,
  protectServiceParametersSchema,
} from './blueprints/protectService';
export type { ProtectServiceParameters } from './blueprints/protectService';
export {
  authProxyRelease,
  authProxyName,
  AUTH_PROXY_CHART,
  AUTH_PROXY_CALLBACK_PATHS,
  GATEKEEPER_CHART,
} from './blueprints/authProxy';
export type { AuthProxyOptions, AuthProxyKind } from './blueprints/authProxy';
export {
  APP_TEMPLATE_CHART,
  APP_TEMPLATE_VALUES_CHECKED_BY,
  appDataStorageShape,
  appDataStore,
  appTemplateRelease,
  appTemplateServiceUrl,
  appTemplateWorkload,
  checkAppDataStorage,
} from './blueprints/appTemplate';
export type {
  AppDataStorage,
  AppTemplateOptions,
} from './blueprints/appTemplate';
export { pixanoBlueprint, pixanoParametersSchema } from './blueprints/pixano';
export type { PixanoParameters } from './blueprints/pixano';
export { debiaiBlueprint, debiaiParametersSchema } from './blueprints/debiai';
export type { DebiaiParameters } from './blueprints/debiai';
export {
  chartsCheckedElsewhere,
  createBlueprintContext,
  blueprintParts,
  deriveSecretValues,
  secretsBySecretName,
  DEFAULT_SECRET,
  instanceSecretNames,
  instanceClientId,
  mappedGroupPaths,
  groupsOfRoles,
  MAIN_CLIENT,
  MAIN_COMPONENT,
  toolSettings,
  checkToolSettings,
  mainObjectKinds,
} from './blueprints/context';
export type { BlueprintContextInput } from './blueprints/context';
export { instanceLabels, instanceSelector } from './blueprints/labels';
export { builtInBlueprints } from './blueprints/builtIn';

export { withRetries, parseRetryAfter } from './lib/retry';
export type { RetryOptions, RetryDecision } from './lib/retry';
export {
  UpstreamError,
  ReleaseNotReadyError,
  isRequestTimeout,
} from './lib/errors';
export { dnsLabelRegex, explainDnsLabel } from './lib/names';

export {
  DEPLOY_KINDS,
  RELEASE_KIND_OF_DRIVER,
  RELEASE_KINDS,
} from './deploy/kinds';
export type { MlToolsKind } from './deploy/kinds';
export { buildPartObjects, assertDriverSupports } from './deploy/partObjects';
export type { PartObject, PartOwner } from './deploy/partObjects';

// Chart preflight: fetch each pinned chart as Helm does and check release values against its
// values.schema.json (and its subcharts') before the first write.
export {
  ChartSchemaOutsidePackageError,
  validateChartValues,
  formatValuesIssues,
} from './charts/validateChartValues';
export { readChartPackage } from './charts/chartArchive';
export { HelmChartSource } from './charts/HelmChartSource';
export type {
  ChartLocation,
  HelmChartSourceOptions,
} from './charts/HelmChartSource';
export { ChartPreflight } from './charts/ChartPreflight';
export type {
  PreflightRelease,
  ChartPreflightCheckOptions,
} from './charts/ChartPreflight';
export type { ChartFiles, ChartDependency, ValuesIssue } from './charts/types';
export type { MlToolsPreflightConfig } from './config/readMlToolsConfig';

export { mlToolsInstanceOperationsServiceRef } from './deploy/instanceOperations';
export type {
  MlToolsInstanceChange,
  MlToolsInstanceRemoval,
  MlToolsInstanceRemover,
  MlToolsInstanceOperationsService,
} from './deploy/instanceOperations';
