/**
 * Local Kubernetes API and Keycloak simulators: the default target of the portal's
 * `start` command and the substrate of the tests.
 *
 * @packageDocumentation
 */

export { startSandbox } from './sandbox';
export type {
  Sandbox,
  SandboxCluster,
  SandboxClusterOptions,
  SandboxKeycloak,
  SandboxKeycloakOptions,
  SandboxKubeConfig,
  StartSandboxOptions,
} from './sandbox';
export { ChartRepositories } from './charts/repository';
export { checkCustomResource } from './kubernetes/crdSchema';
export type { SchemaCheck } from './kubernetes/crdSchema';
export {
  defaultContractsDir,
  repositoryKey,
  uncheckedContractChart,
  VALUES_CHECKED_ANNOTATION,
} from './charts/contracts';
export type { UncheckedChart } from './charts/contracts';
export { RequestLog } from './common/requestLog';
export type { RequestLogEntry, RequestLogFilter } from './common/requestLog';
export { FaultInjector } from './common/faults';
export type { FaultRule } from './common/faults';
export { createSelfSignedCertificate } from './common/tls';
export type { SelfSignedCertificate } from './common/tls';
export {
  KubernetesSimulator,
  Cluster,
  Controllers,
  EventRecorder,
  ResourceRegistry,
  ObjectStore,
  PATCH_TYPES,
  ApiError,
  FAIL_ANNOTATION,
  RELEASE_UID_LABEL,
  DEMO_KUBERNETES_ID,
  SEED_NAMESPACE,
} from './kubernetes';
export type {
  KubernetesSimulatorOptions,
  KubernetesSnapshot,
  ListOptions,
  WriteOptions,
  WriteResult,
  NameRule,
  ResourceType,
  ChangeEvent,
  EventNote,
  EventType,
  LabelRequirement,
  ControllerPace,
  KubeObject,
  ManagedFieldsEntry,
  ObjectMeta,
  OwnerReference,
  StatusCause,
  StatusDetails,
} from './kubernetes';
export { KeycloakSimulator } from './keycloak';
export type {
  KeycloakSimulatorOptions,
  KeycloakSeed,
  SeededCredentials,
} from './keycloak';
export { startSlapd, runbookLdif, RUNBOOK_DIRECTORY } from './ldap/slapd';
export type { Slapd, StartSlapdOptions } from './ldap/slapd';
