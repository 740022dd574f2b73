import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { UpstreamError } from './errors';

/**
 * The Backstage error for an upstream HTTP status, shared by both gateways so that a
 * refused input is a 4xx and an overloaded or unreachable server a 503 whichever server
 * answered.
 */
export function errorForStatus(status: number, message: string): Error {
  switch (status) {
    case 400:
    case 422:
      return new InputError(message);
    case 401:
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 429:
    case 502:
    case 503:
    case 504:
      return new ServiceUnavailableError(message);
    default:
      return new UpstreamError(message, undefined, status);
  }
}
