import { z } from "zod";

/**
 * C0 control characters and DEL. Postgres refuses NUL in text outright (error 22021, which would
 * surface as a 500), and the others have no business in a name, a search or an id: they are
 * invisible in lists and logs. Refused at the edges with a message naming the field.
 */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** The same, except tab, line feed and carriage return, which multi-line text (descriptions) keeps. */
export const CONTROL_CHARACTERS_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
export const CONTROL_CHARACTERS_MESSAGE = "Must not contain control characters";

export function hasControlCharacter(value: string, { multiline = false }: { multiline?: boolean } = {}): boolean {
  return (multiline ? CONTROL_CHARACTERS_EXCEPT_LINE_BREAKS : CONTROL_CHARACTERS).test(value);
}

/** A string schema for one line of text: refuses control characters with a field message. */
export function singleLine(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine((v) => !CONTROL_CHARACTERS.test(v), CONTROL_CHARACTERS_MESSAGE);
}

/** A string schema for multi-line text: tab and line breaks pass, other control characters do not. */
export function multiLine(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine((v) => !CONTROL_CHARACTERS_EXCEPT_LINE_BREAKS.test(v), CONTROL_CHARACTERS_MESSAGE);
}

/**
 * The path (`a.b[2]`) of the first string in a JSON value, object keys included, that holds a
 * control character other than tab and line breaks; null when there is none.
 */
export function controlCharacterPath(value: unknown, path = ""): string | null {
  if (typeof value === "string") return CONTROL_CHARACTERS_EXCEPT_LINE_BREAKS.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = controlCharacterPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (CONTROL_CHARACTERS.test(key)) return at;
      const found = controlCharacterPath(child, at);
      if (found !== null) return found;
    }
  }
  return null;
}

/** Form checkboxes post "on" when ticked and nothing when not; REST sends booleans. */
export const ZCheckbox = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());

/** Ids are Postgres `integer`s: a larger number names nothing (and Postgres would refuse it, 22003). */
export const MAX_DATABASE_ID = 2_147_483_647;

export const ZId = z.coerce.number({ error: "Must be a number" }).int().positive().max(MAX_DATABASE_ID, "No such id");

/** For actions that take an id as a plain argument (not a form): a positive integer in range. */
export function isDatabaseId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 && value <= MAX_DATABASE_ID;
}

/** An optional search box: empty means "no filter". */
export const ZSearchText = singleLine(z.string().trim())
  .max(255)
  .optional()
  .transform((v) => (v ? v : undefined));

export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const flat = z.flattenError(error).fieldErrors as Record<string, string[] | undefined>;
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(flat)) if (messages?.length) out[key] = messages;
  return out;
}
