/**
 * What a failed attempt tells the retry loop.
 *
 * @public
 */
export interface RetryDecision {
  retry: boolean;
  /** Delay asked for by the server (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Options of {@link withRetries}.
 *
 * @public
 */
export interface RetryOptions {
  /** Total attempts, first one included (default 5). */
  attempts?: number;
  /** Base of the exponential backoff, in milliseconds (default 100). */
  baseDelayMs?: number;
  /** Cap of one backoff delay, in milliseconds (default 5000). */
  maxDelayMs?: number;
  /** Cap of a server-requested Retry-After delay, in milliseconds (default 30000). */
  maxRetryAfterMs?: number;
  /** Classifies a failure. */
  classify: (error: unknown) => RetryDecision;
  /** Called before each wait, for logging. */
  onRetry?: (info: {
    attempt: number;
    delayMs: number;
    error: unknown;
  }) => void;
  /** Replaceable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, the failure is not retryable or the attempts run out.
 * Backoff is exponential with full jitter; a server's Retry-After wins when it is given.
 *
 * @public
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 5000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry || attempt >= attempts) throw error;
      const backoff = Math.round(
        random() * Math.min(cap, base * 2 ** (attempt - 1)),
      );
      const delayMs =
        decision.retryAfterMs !== undefined
          ? Math.min(maxRetryAfter, decision.retryAfterMs) +
            Math.round(random() * base)
          : backoff;
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}

/**
 * Parses a Retry-After header (seconds or HTTP date) into milliseconds.
 *
 * @public
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
