import { unsupportedMediaType } from './errors';
import type { JsonObject } from './json';
import {
  WORKLOAD_PROTO_KINDS,
  WORKLOAD_PROTO_MESSAGES,
} from './workloadProtobuf';

/*
 * Request bodies in the API server's protobuf encoding (`application/vnd.kubernetes.protobuf`),
 * which client-go's typed clients send for built-in kinds (Helm's release Secrets,
 * `kubectl create configmap|secret|namespace|serviceaccount`, and the DeleteOptions of a
 * typed delete). The body is the magic `k8s\0` then a `runtime.Unknown` envelope
 * (typeMeta = 1, raw = 2) whose `raw` is the object's own message. Clients do not fall
 * back to JSON on 415, so the kinds they commonly send this way are decoded here, from
 * field tables for those messages; any other kind is refused with 415 naming the types
 * accepted.
 */

/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type FieldType =
  | 'string'
  | 'bytes'
  | 'bool'
  | 'int'
  | 'time'
  | { message: string }
  | 'intOrString'
  | { message: string }
  | { map: 'string' | 'bytes' | 'quantity' };

interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}

const s = (name: string): Field => ({ name, type: 'string' });
const msg = (name: string, message: string, repeated = false): Field => ({
  name,
  type: { message },
  repeated,
});

/** Field numbers of the messages decoded, as the generated Kubernetes protos number them. */
const MESSAGES: Record<string, Record<number, Field>> = {
  ...WORKLOAD_PROTO_MESSAGES,
  TypeMeta: { 1: s('apiVersion'), 2: s('kind') },
  Unknown: {
    1: msg('typeMeta', 'TypeMeta'),
    2: { name: 'raw', type: 'bytes' },
    3: s('contentEncoding'),
    4: s('contentType'),
  },
  ObjectMeta: {
    1: s('name'),
    2: s('generateName'),
    3: s('namespace'),
    4: s('selfLink'),
    5: s('uid'),
    6: s('resourceVersion'),
    7: { name: 'generation', type: 'int' },
    8: { name: 'creationTimestamp', type: 'time' },
    9: { name: 'deletionTimestamp', type: 'time' },
    10: { name: 'deletionGracePeriodSeconds', type: 'int' },
    11: { name: 'labels', type: { map: 'string' } },
    12: { name: 'annotations', type: { map: 'string' } },
    13: msg('ownerReferences', 'OwnerReference', true),
    14: { name: 'finalizers', type: 'string', repeated: true },
  },
  OwnerReference: {
    1: s('kind'),
    3: s('name'),
    4: s('uid'),
    5: s('apiVersion'),
    6: { name: 'controller', type: 'bool' },
    7: { name: 'blockOwnerDeletion', type: 'bool' },
  },
  Secret: {
    1: msg('metadata', 'ObjectMeta'),
    2: { name: 'data', type: { map: 'bytes' } },
    3: s('type'),
    4: { name: 'stringData', type: { map: 'string' } },
    5: { name: 'immutable', type: 'bool' },
  },
  ConfigMap: {
    1: msg('metadata', 'ObjectMeta'),
    2: { name: 'data', type: { map: 'string' } },
    3: { name: 'binaryData', type: { map: 'bytes' } },
    4: { name: 'immutable', type: 'bool' },
  },
  Namespace: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'NamespaceSpec'),
    3: msg('status', 'Ignored'),
  },
  NamespaceSpec: { 1: { name: 'finalizers', type: 'string', repeated: true } },
  ServiceAccount: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('secrets', 'ObjectReference', true),
    3: msg('imagePullSecrets', 'LocalObjectReference', true),
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
  ObjectReference: {
    1: s('kind'),
    2: s('namespace'),
    3: s('name'),
    4: s('uid'),
    5: s('apiVersion'),
    6: s('resourceVersion'),
    7: s('fieldPath'),
  },
  LocalObjectReference: { 1: s('name') },
  DeleteOptions: {
    1: { name: 'gracePeriodSeconds', type: 'int' },
    2: msg('preconditions', 'Preconditions'),
    3: { name: 'orphanDependents', type: 'bool' },
    4: s('propagationPolicy'),
    5: { name: 'dryRun', type: 'string', repeated: true },
  },
  Preconditions: { 1: s('uid'), 2: s('resourceVersion') },
  Deployment: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'DeploymentSpec'),
    // Status is the server's to write: dropped, as the API server drops it on create.
    3: msg('status', 'Ignored'),
  },
  DeploymentSpec: {
    1: { name: 'replicas', type: 'int' },
    2: msg('selector', 'LabelSelector'),
    3: msg('template', 'PodTemplateSpec'),
    4: msg('strategy', 'DeploymentStrategy'),
    5: { name: 'minReadySeconds', type: 'int' },
    6: { name: 'revisionHistoryLimit', type: 'int' },
    7: { name: 'paused', type: 'bool' },
    9: { name: 'progressDeadlineSeconds', type: 'int' },
  },
  DeploymentStrategy: {
    1: s('type'),
    2: msg('rollingUpdate', 'RollingUpdateDeployment'),
  },
  RollingUpdateDeployment: {
    1: { name: 'maxUnavailable', type: 'intOrString' },
    2: { name: 'maxSurge', type: 'intOrString' },
  },
  IntOrString: {
    1: { name: 'type', type: 'int' },
    2: { name: 'intVal', type: 'int' },
    3: s('strVal'),
  },
  LabelSelector: {
    1: { name: 'matchLabels', type: { map: 'string' } },
    2: msg('matchExpressions', 'LabelSelectorRequirement', true),
  },
  LabelSelectorRequirement: {
    1: s('key'),
    2: s('operator'),
    3: { name: 'values', type: 'string', repeated: true },
  },
  PodTemplateSpec: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'PodSpec'),
  },
  PodSpec: {
    2: msg('containers', 'Container', true),
    3: s('restartPolicy'),
    4: { name: 'terminationGracePeriodSeconds', type: 'int' },
    6: s('dnsPolicy'),
    7: { name: 'nodeSelector', type: { map: 'string' } },
    8: s('serviceAccountName'),
    9: s('serviceAccount'),
    19: s('schedulerName'),
    14: msg('securityContext', 'Empty'),
  },
  Container: {
    1: s('name'),
    2: s('image'),
    3: { name: 'command', type: 'string', repeated: true },
    4: { name: 'args', type: 'string', repeated: true },
    5: s('workingDir'),
    6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true),
    8: msg('resources', 'ResourceRequirements'),
    13: s('terminationMessagePath'),
    14: s('imagePullPolicy'),
    20: s('terminationMessagePolicy'),
  },
  ContainerPort: {
    1: s('name'),
    2: { name: 'hostPort', type: 'int' },
    3: { name: 'containerPort', type: 'int' },
    4: s('protocol'),
    5: s('hostIP'),
  },
  EnvVar: { 1: s('name'), 2: s('value') },
  ResourceRequirements: {
    1: { name: 'limits', type: { map: 'quantity' } },
    2: { name: 'requests', type: { map: 'quantity' } },
  },
  Quantity: { 1: s('string') },
  Empty: {},
  Ignored: {},
  Time: {
    1: { name: 'seconds', type: 'int' },
    2: { name: 'nanos', type: 'int' },
  },
  MapEntry: {
    1: { name: 'key', type: 'bytes' },
    2: { name: 'value', type: 'bytes' },
  },
};

/** The kinds whose protobuf bodies are understood (`apiVersion/kind`). */
const DECODABLE: Record<string, string> = {
  ...WORKLOAD_PROTO_KINDS,
  'v1/Secret': 'Secret',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Namespace': 'Namespace',
  'v1/ServiceAccount': 'ServiceAccount',
  'apps/v1/Deployment': 'Deployment',
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
  'v1/DeleteOptions': 'DeleteOptions',
};

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function signed64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function isIgnored(f: Field): boolean {
  return (
    typeof f.type === 'object' &&
    'message' in f.type &&
    f.type.message === 'Ignored'
  );
}

function decodeMessage(buf: Buffer, message: string): JsonObject {
  const fields = MESSAGES[message];
  const out: JsonObject = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = Number(r.varint());
    const num = tag >> 3;
    const wire = tag & 7;
    const f = fields[num];
    if (!f && message === 'Ignored') {
      r.skip(wire);
      continue;
    }
    if (!f) {
      const start = r.pos;
      r.skip(wire);
      // An empty field is a zero value the encoder always writes; content in a field this
      // table does not know would be lost, so the body is refused instead.
      const empty =
        (wire === 2 && r.pos - start === 1) || (wire === 0 && buf[start] === 0);
      if (!empty) throw new Error(`${message} field ${num} is not understood`);
      continue;
    }
    let value: unknown;
    const t = f.type;
    if (t === 'int') value = signed64(r.varint());
    else if (t === 'bool') value = r.varint() !== 0n;
    else if (t === 'string') value = r.bytes().toString('utf8');
    else if (t === 'intOrString') {
      const v = decodeMessage(r.bytes(), 'IntOrString');
      value = v.type === 1 ? v.strVal ?? '' : v.intVal ?? 0;
    } else if (t === 'bytes') value = r.bytes();
    else if (t === 'time') {
      const time = decodeMessage(r.bytes(), 'Time');
      // The zero time (year 1) is what an unset timestamp encodes to.
      if (Number(time.seconds ?? 0) <= 0) continue;
      value = new Date(Number(time.seconds ?? 0) * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
    } else if ('message' in t) value = decodeMessage(r.bytes(), t.message);
    else {
      const entry = decodeMessage(r.bytes(), 'MapEntry');
      const map = (out[f.name] ?? {}) as JsonObject;
      const key = (entry.key as Buffer | undefined)?.toString('utf8') ?? '';
      const v = (entry.value as Buffer | undefined) ?? Buffer.alloc(0);
      if (t.map === 'bytes') map[key] = v.toString('base64');
      else if (t.map === 'quantity')
        map[key] = String(decodeMessage(v, 'Quantity').string ?? '');
      else map[key] = v.toString('utf8');
      out[f.name] = map;
      continue;
    }
    // Unset scalars arrive as zero values; JSON clients omit them.
    if (
      !f.repeated &&
      (value === '' || (t === 'int' && value === 0 && f.name !== 'replicas'))
    )
      continue;
    if (isIgnored(f) || (f.name === 'paused' && value === false)) continue;
    if (f.repeated)
      out[f.name] = [...((out[f.name] as unknown[]) ?? []), value];
    else out[f.name] = value;
  }
  return out;
}

/**
 * Decodes a protobuf request body into the JSON object it stands for; 415 (naming the
 * accepted media types) when the kind is not one of those decoded here or the body is
 * not a Kubernetes protobuf envelope.
 */
export function decodeProtobufBody(body: Buffer): JsonObject {
  const refuse = (what: string) =>
    unsupportedMediaType(`${PROTOBUF} (${what})`, [
      'application/json',
      'application/yaml',
    ]);
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw refuse('no k8s protobuf envelope');
  let envelope: JsonObject;
  try {
    envelope = decodeMessage(body.subarray(4), 'Unknown');
  } catch (e) {
    throw refuse(`undecodable envelope: ${(e as Error).message}`);
  }
  const typeMeta = (envelope.typeMeta ?? {}) as JsonObject;
  const apiVersion = String(typeMeta.apiVersion ?? '');
  const kind = String(typeMeta.kind ?? '');
  const message = DECODABLE[`${apiVersion}/${kind}`];
  if (!message)
    throw refuse(
      `kind ${apiVersion}/${kind} is only accepted as JSON or YAML here`,
    );
  let obj: JsonObject;
  try {
    obj = decodeMessage((envelope.raw as Buffer) ?? Buffer.alloc(0), message);
  } catch (e) {
    throw refuse(`undecodable ${kind}: ${(e as Error).message}`);
  }
  return { apiVersion, kind, ...obj };
}
