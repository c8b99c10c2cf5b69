import { AppError } from "@/lib/errors";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

/**
 * For server components: runs a service call and turns a deliberate refusal (403, 404, ...) into
 * a value the page can render. Anything else is a bug and reaches Next's error boundary.
 */
export async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err };
    throw err;
  }
}
