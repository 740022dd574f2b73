import { qualifiedResource, ResourceType } from './resources';

/**
 * One cause of a failed request, as in `Status.details.causes`.
 *
 * @public
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/**
 * `Status.details` as the API server fills it.
 *
 * @public
 */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/**
 * A failed request, carried as an exception inside the simulator and answered as a
 * `Status` object with the same code, reason and details as the real API server.
 *
 * @public
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The `Status` body of the answer. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

type Rt = Pick<ResourceType, 'group' | 'plural'>;

function resourceDetails(rt: Rt, name: string): StatusDetails {
  return { name, ...(rt.group ? { group: rt.group } : {}), kind: rt.plural };
}

/** 404 NotFound for a named object of a resource. */
export function notFound(rt: Rt, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(rt)} "${name}" not found`,
    resourceDetails(rt, name),
  );
}

/** The answer for a path no resource is served at. */
export function unknownPath(): ApiError {
  return new ApiError(
    404,
    'NotFound',
    'the server could not find the requested resource',
    {},
  );
}

/** 409 AlreadyExists for a create of an existing name. */
export function alreadyExists(rt: Rt, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(rt)} "${name}" already exists`,
    resourceDetails(rt, name),
  );
}

/** 409 Conflict with the API server's "Operation cannot be fulfilled" wording. */
export function conflict(rt: Rt, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(
      rt,
    )} "${name}": ${why}`,
    resourceDetails(rt, name),
  );
}

/** The optimistic-concurrency failure of an update with a stale resourceVersion. */
export function staleResourceVersion(rt: Rt, name: string): ApiError {
  return conflict(
    rt,
    name,
    'the object has been modified; please apply your changes to the latest version and try again',
  );
}

/** 422 Invalid; `kind` is the object kind (the API server names kinds, not resources, here). */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): ApiError {
  const summary = causes
    .map(c => (c.field ? `${c.field}: ${c.message}` : c.message))
    .join(', ');
  return new ApiError(
    422,
    'Invalid',
    `${kind} "${name}" is invalid: ${summary}`,
    {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map(c => ({
        reason: c.reason ?? 'FieldValueInvalid',
        ...c,
      })),
    },
  );
}

/** 400 BadRequest: a malformed request or body. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 403 Forbidden for an operation on a named object. */
export function forbidden(
  rt: Rt,
  name: string,
  why: string,
  causes?: StatusCause[],
): ApiError {
  return new ApiError(
    403,
    'Forbidden',
    `${qualifiedResource(rt)} "${name}" is forbidden: ${why}`,
    {
      ...resourceDetails(rt, name),
      ...(causes ? { causes } : {}),
    },
  );
}

/** 405 MethodNotAllowed: the verb is not served on this path. */
export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

/** 415 UnsupportedMediaType listing the accepted content types. */
export function unsupportedMediaType(
  contentType: string,
  accepted: string[],
): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format${
      contentType ? ` (${contentType})` : ''
    } - accepted media types include: ${accepted.join(', ')}`,
    {},
  );
}

/** 401 Unauthorized: missing or wrong bearer token. */
export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/** 422 with the generic message the API server uses when a patch cannot be applied. */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}
