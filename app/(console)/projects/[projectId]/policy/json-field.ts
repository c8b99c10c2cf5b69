import { z } from "zod";

/**
 * A form field carrying JSON that a client editor built (a policy's rules, a selector). The service
 * validates the parsed value with its own schema and answers with field messages keyed by path; this
 * only refuses text that is not JSON at all.
 */
export const ZJsonField = z.string({ error: "Invalid request." }).transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "Invalid request." });
    return z.NEVER;
  }
});
