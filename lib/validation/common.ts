import { z } from "zod";

/** Form checkboxes post "on" when ticked and nothing when not; REST sends booleans. */
export const ZCheckbox = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());

export const ZId = z.coerce.number({ error: "Must be a number" }).int().positive();

/** Server-side pagination with a hard cap on page size (never an unbounded list). */
export const ZPage = z.coerce.number().int().min(1).catch(1).default(1);
export const ZPageSize = z.coerce.number().int().min(1).max(100).catch(25).default(25);

/** An optional search box: empty means "no filter". */
export const ZSearchText = z
  .string()
  .trim()
  .max(255)
  .optional()
  .transform((v) => (v ? v : undefined));

export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const flat = z.flattenError(error).fieldErrors as Record<string, string[] | undefined>;
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(flat)) if (messages?.length) out[key] = messages;
  return out;
}
