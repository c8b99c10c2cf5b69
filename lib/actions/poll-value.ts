/**
 * The client side of a polled read, with no imports (poll.ts's server side maps errors, which would
 * bring zod into the page's JavaScript).
 */

/**
 * What a polled read action (a page's refetch loop) returns: the value, or the refusal as a
 * message. A thrown refusal would reach the browser as a failed request and the server log as an
 * error (a 500) for what is only "you may not read this (any more)".
 */
export type PollResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * For the polling component's query function: the value, or an error carrying the refusal, so
 * the query keeps what it showed last and reports the error instead of rendering a refusal as data.
 */
export function valueOf<T>(result: PollResult<T>): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}
