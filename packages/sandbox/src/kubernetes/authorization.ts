/*
 * The review APIs: SelfSubjectAccessReview and SelfSubjectRulesReview
 * (authorization.k8s.io/v1, `kubectl auth can-i`), SelfSubjectReview and TokenReview
 * (authentication.k8s.io/v1, `kubectl auth whoami`).
 *
 * The sandbox's authorization model is simple: every authenticated request is allowed
 * (it enforces no RBAC), so the reviews answer what the API itself would do.
 */
import { ApiError, badRequest } from './errors';
import { isObject, JsonObject } from './json';
import type { TokenAuthority, UserInfo } from './tokens';

/** Why every review is allowed, in the words a real authorizer would use. */
export const ALLOW_REASON =
  'the sandbox allows every authenticated request (it enforces no RBAC)';

function invalid(kind: string, group: string, field: string, rule: string) {
  return new ApiError(
    422,
    'Invalid',
    `${kind}.${group} "" is invalid: ${field}: Invalid value: "null": ${rule}`,
  );
}

function body(raw: string, kind: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = raw.trim() ? JSON.parse(raw) : {};
  } catch {
    throw badRequest(`the ${kind} body is not valid JSON`);
  }
  if (!isObject(parsed)) throw badRequest(`the ${kind} body must be an object`);
  return parsed;
}

function reply(
  group: string,
  kind: string,
  spec: unknown,
  status: JsonObject,
): JsonObject {
  return {
    kind,
    apiVersion: `${group}/v1`,
    metadata: { creationTimestamp: null },
    ...(spec === undefined ? {} : { spec }),
    status,
  };
}

/** `POST selfsubjectaccessreviews`: may the caller do this? */
export function selfSubjectAccessReview(raw: string): JsonObject {
  const group = 'authorization.k8s.io';
  const review = body(raw, 'SelfSubjectAccessReview');
  const spec = isObject(review.spec) ? review.spec : {};
  const hasResource = isObject(spec.resourceAttributes);
  const hasNonResource = isObject(spec.nonResourceAttributes);
  if (hasResource === hasNonResource) {
    throw invalid(
      'SelfSubjectAccessReview',
      group,
      'spec.resourceAttributes',
      'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  }
  return reply(group, 'SelfSubjectAccessReview', spec, {
    allowed: true,
    reason: ALLOW_REASON,
  });
}

/** `POST selfsubjectrulesreview`: everything the caller may do in a namespace. */
export function selfSubjectRulesReview(raw: string): JsonObject {
  const group = 'authorization.k8s.io';
  const review = body(raw, 'SelfSubjectRulesReview');
  const spec = isObject(review.spec) ? review.spec : {};
  return reply(group, 'SelfSubjectRulesReview', spec, {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  });
}

function userInfo(user: UserInfo): JsonObject {
  return {
    username: user.username,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: user.groups,
    ...(user.extra ? { extra: user.extra } : {}),
  };
}

/** `POST selfsubjectreviews`: who the caller is. */
export function selfSubjectReview(user: UserInfo): JsonObject {
  return reply('authentication.k8s.io', 'SelfSubjectReview', undefined, {
    userInfo: userInfo(user),
  });
}

/** `POST tokenreviews`: whom a token stands for (any valid sandbox token). */
export function tokenReview(raw: string, tokens: TokenAuthority): JsonObject {
  const group = 'authentication.k8s.io';
  const review = body(raw, 'TokenReview');
  const spec = isObject(review.spec) ? review.spec : {};
  if (typeof spec.token !== 'string' || !spec.token) {
    throw invalid('TokenReview', group, 'spec.token', 'token must be set');
  }
  const wanted = Array.isArray(spec.audiences)
    ? spec.audiences.map(String)
    : [];
  const sa = tokens.verify(spec.token);
  const user = sa?.user ?? tokens.identify(spec.token);
  const audiences = sa ? sa.audiences : wanted;
  const matches =
    !wanted.length || wanted.some(a => audiences.includes(a)) || !sa;
  const ok = Boolean(user) && matches;
  return reply(group, 'TokenReview', spec, {
    authenticated: ok,
    ...(ok
      ? {
          user: userInfo(user!),
          audiences: wanted.length
            ? wanted.filter(a => !sa || audiences.includes(a))
            : audiences,
        }
      : {
          error: user ? 'token audiences do not match' : 'invalid bearer token',
        }),
  });
}
