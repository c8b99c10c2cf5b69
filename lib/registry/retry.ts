import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";

/**
 * Whether a failed registry call is worth repeating: the registry answered 5xx (or 429), or did not
 * answer at all (connection refused or reset, timeout: a restarting destination). A 4xx is the
 * request's own fault, and credentials refused stay refused: neither is retried.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof RegistryError) return error.status >= 500 || error.status === 429;
  if (error instanceof RegistryUnavailableError) return error.status === undefined || error.status >= 500 || error.status === 429;
  if (error instanceof TypeError) return true; // fetch failed: no answer
  return false;
}

export type RetryOptions = {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled for each next one (with jitter). */
  baseDelayMs: number;
  signal?: AbortSignal;
};

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 250 };

/** Runs `step` again after transient failures, waiting base·2^n (±50% jitter) between tries. */
export async function withRetry<T>(step: () => Promise<T>, { attempts, baseDelayMs, signal }: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await step();
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt >= attempts || !isTransient(error)) throw error;
      const delay = baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
