import type { JsonObject } from './json';

/**
 * One entry of `metadata.managedFields`, as the API server writes it.
 *
 * @public
 */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/**
 * Object metadata as stored by the simulator.
 *
 * @public
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/**
 * A reference from a dependent object to its owner, used by garbage collection.
 *
 * @public
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * Any Kubernetes object: typed metadata, everything else free-form JSON.
 *
 * @public
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/**
 * How long the simulated controllers wait before each reconcile step: `'instant'` runs
 * them synchronously after every write (for tests), a number of milliseconds paces them
 * like a real cluster (for the portal).
 *
 * @public
 */
export type ControllerPace = 'instant' | number;
