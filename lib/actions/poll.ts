import { toActionError } from "@/lib/actions/action-result";
import type { PollResult } from "@/lib/actions/poll-value";
import { translateServerText } from "@/lib/i18n/server-text";
import { requestLocale } from "@/lib/i18n/server-locale";

export { type PollResult, valueOf } from "@/lib/actions/poll-value";

export async function pollResult<T>(read: () => Promise<T>): Promise<PollResult<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    // A refusal in the console's language, as formAction's answers are.
    return { ok: false, message: translateServerText(toActionError(err).message ?? "The server could not answer.", await requestLocale()) };
  }
}
