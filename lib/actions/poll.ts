import { toActionError } from "@/lib/actions/action-result";
import type { PollResult } from "@/lib/actions/poll-value";

export { type PollResult, valueOf } from "@/lib/actions/poll-value";

export async function pollResult<T>(read: () => Promise<T>): Promise<PollResult<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, message: toActionError(err).message ?? "The server could not answer." };
  }
}
