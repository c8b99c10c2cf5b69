import { createTranslator } from "next-intl";
import messages from "@/messages/en.json";

/*
 * next-intl/server for vitest: outside Next there is no request (its real getTranslations throws
 * "not supported in Client Components" there), so server components rendered by tests read the
 * English catalogue, as a request in English would. vitest.config.ts aliases next-intl/server here.
 */
export async function getTranslations(namespace?: string | { namespace?: string }) {
  const ns = typeof namespace === "string" ? namespace : namespace?.namespace;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- namespaces are checked where the pages call it
  return createTranslator({ locale: "en", messages, ...(ns ? { namespace: ns as any } : {}) });
}

export async function getLocale() {
  return "en";
}

export function getRequestConfig<T>(factory: T): T {
  return factory;
}
