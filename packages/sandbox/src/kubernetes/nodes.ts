/*
 * The one node of a simulated cluster, where every pod is scheduled.
 */
import type { Cluster } from './cluster';
import type { KubeObject } from './types';

/** The name of the sandbox's node. */
export const NODE_NAME = 'sandbox-node';

/** The node's address, every pod's `status.hostIP`. */
export const NODE_IP = '10.0.0.10';

const KUBELET_VERSION = 'v1.31.0';

const CAPACITY = {
  cpu: '8',
  'ephemeral-storage': '102687672Ki',
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
  memory: '32858320Ki',
  pods: '110',
};

const ALLOCATABLE = {
  ...CAPACITY,
  'ephemeral-storage': '94636958328',
  memory: '32755920Ki',
};

/** The node object (without status). */
function nodeObject(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': '',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      providerID: `sandbox://${NODE_NAME}`,
    },
  };
}

/** What the kubelet reports: ready, no pressure, its capacity and versions. */
function nodeStatus(now: string): KubeObject['status'] {
  const cond = (
    type: string,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    capacity: CAPACITY,
    allocatable: ALLOCATABLE,
    conditions: [
      cond(
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
      ),
      cond(
        'DiskPressure',
        'False',
        'KubeletHasNoDiskPressure',
        'kubelet has no disk pressure',
      ),
      cond(
        'PIDPressure',
        'False',
        'KubeletHasSufficientPID',
        'kubelet has sufficient PID available',
      ),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: NODE_IP },
      { type: 'Hostname', address: NODE_NAME },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: '5a4d5e6f7a8b4c9d8e7f6a5b4c3d2e1f',
      systemUUID: '5a4d5e6f-7a8b-4c9d-8e7f-6a5b4c3d2e1f',
      bootID: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      kernelVersion: '6.1.0-sandbox',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.7.18',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** Registers the node (a fresh cluster, or a snapshot taken before nodes existed). */
export function ensureNode(cluster: Cluster): void {
  if (cluster.store.get('/nodes', undefined, NODE_NAME)) return;
  cluster.ensure(nodeObject(), 'kubelet');
  cluster.ensure(
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE_NAME },
      status: nodeStatus(cluster.now()),
    },
    'kubelet',
    'status',
  );
}

/**
 * What the scheduler does with a pod that names no node: binds it to the sandbox's node
 * (true when it did, and the pod's kubelet waits for the bound pod).
 */
export function schedule(cluster: Cluster, pod: KubeObject): boolean {
  const spec = pod.spec && typeof pod.spec === 'object' ? pod.spec : {};
  if ((spec as { nodeName?: unknown }).nodeName) return false;
  const next: KubeObject = {
    ...pod,
    metadata: { ...pod.metadata },
    spec: { ...spec, nodeName: NODE_NAME },
  };
  cluster.writeInternal(cluster.typeOf(pod), pod, next, 'kube-scheduler');
  return true;
}
