/*
 * The Kubernetes API simulator: one in-memory API server per cluster, with controllers.
 */
export { KubernetesSimulator } from './simulator';
export type {
  KubernetesSimulatorOptions,
  KubernetesSnapshot,
} from './simulator';
export { Cluster, PATCH_TYPES } from './cluster';
export type { ListOptions, WriteOptions, WriteResult } from './cluster';
export { Controllers } from './controllers';
export { EventRecorder } from './events';
export type { EventNote, EventType } from './events';
export { ResourceRegistry } from './resources';
export type { NameRule, ResourceType } from './resources';
export { ObjectStore } from './store';
export type { ChangeEvent } from './store';
export type {
  ControllerPace,
  KubeObject,
  ManagedFieldsEntry,
  ObjectMeta,
  OwnerReference,
} from './types';
export { ApiError } from './errors';
export type { StatusCause, StatusDetails } from './errors';
export type { LabelRequirement } from './selectors';
export { FAIL_ANNOTATION, RELEASE_UID_LABEL } from './charts';
export { DEMO_KUBERNETES_ID, SEED_NAMESPACE } from './seed';
