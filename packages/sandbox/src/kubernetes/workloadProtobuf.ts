/*
 * Protobuf field tables of the request bodies kubectl 1.33 sends in protobuf to the
 * workload endpoints (`auth can-i`, `auth whoami`, `create token`), numbered as the
 * generated Kubernetes protos number them. They have the shape of the message tables of
 * the protobuf body decoder (protobuf.ts), which spreads them into its own.
 */

/** One field of a message table. */
export interface WorkloadProtoField {
  name: string;
  type: 'string' | 'int' | 'bool' | { message: string };
  repeated?: boolean;
}

const s = (name: string): WorkloadProtoField => ({ name, type: 'string' });
const msg = (name: string, message: string): WorkloadProtoField => ({
  name,
  type: { message },
});

/**
 * Messages of the review and token request kinds. ObjectMeta comes from the decoder; a
 * client's `status` (always empty in a request) is read as the decoder's `Ignored`.
 */
export const WORKLOAD_PROTO_MESSAGES: Record<
  string,
  Record<number, WorkloadProtoField>
> = {
  SelfSubjectAccessReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SelfSubjectAccessReviewSpec'),
    3: msg('status', 'Ignored'),
  },
  SelfSubjectAccessReviewSpec: {
    1: msg('resourceAttributes', 'ResourceAttributes'),
    2: msg('nonResourceAttributes', 'NonResourceAttributes'),
  },
  ResourceAttributes: {
    1: s('namespace'),
    2: s('verb'),
    3: s('group'),
    4: s('version'),
    5: s('resource'),
    6: s('subresource'),
    7: s('name'),
  },
  NonResourceAttributes: { 1: s('path'), 2: s('verb') },
  SelfSubjectRulesReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SelfSubjectRulesReviewSpec'),
    3: msg('status', 'Ignored'),
  },
  SelfSubjectRulesReviewSpec: { 1: s('namespace') },
  SelfSubjectReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('status', 'Ignored'),
  },
  TokenRequest: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'TokenRequestSpec'),
    3: msg('status', 'Ignored'),
  },
  TokenRequestSpec: {
    1: { name: 'audiences', type: 'string', repeated: true },
    3: msg('boundObjectRef', 'BoundObjectReference'),
    4: { name: 'expirationSeconds', type: 'int' },
  },
  BoundObjectReference: {
    1: s('kind'),
    2: s('apiVersion'),
    3: s('name'),
    4: s('uid'),
  },
  TokenReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'TokenReviewSpec'),
    3: msg('status', 'Ignored'),
  },
  TokenReviewSpec: {
    1: s('token'),
    2: { name: 'audiences', type: 'string', repeated: true },
  },
};

/** The kinds (`apiVersion/kind`) those tables decode, with their top message. */
export const WORKLOAD_PROTO_KINDS: Record<string, string> = {
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
};
