import { z } from "zod";
import { zodMessage } from "@/lib/api/errors";
import { AppError, ValidationError } from "@/lib/errors";
import { CONTROL_CHARACTERS_MESSAGE, controlCharacterPath } from "@/lib/validation/common";

/** Harbor's request bodies are small JSON documents; anything bigger is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request body as a JSON object. Empty body -> `{}` (the schema then names the missing fields);
 * a non-JSON media type -> 415 as Harbor; malformed JSON, a non-object or a control character in
 * any string -> 400. Never a 500.
 */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new AppError("The request body is too large.", 413, "PAYLOAD_TOO_LARGE");
  let text: string;
  try {
    text = await req.text();
  } catch {
    // The body stopped arriving: the client went away, or Wharf's front cut a body that took too
    // long (lib/runtime/server.ts). Not a server failure, and the answer is most likely unread.
    throw new AppError("The request body was not received completely.", 400, "BAD_REQUEST");
  }
  if (text.trim() === "") return {};
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) throw new AppError("The request body is too large.", 413, "PAYLOAD_TOO_LARGE");
  const contentType = req.headers.get("content-type");
  if (contentType !== null && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim())) {
    throw new AppError("Send the request body as application/json.", 415, "UNSUPPORTED_MEDIA_TYPE");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError("The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ValidationError("The request body must be a JSON object.");
  }
  // Tab and line breaks may stay (descriptions are multi-line); single-line fields refuse them in
  // their own schemas. NUL and the other controls are refused for every field here.
  const badField = controlCharacterPath(parsed);
  if (badField !== null) throw new ValidationError(`${badField}: ${CONTROL_CHARACTERS_MESSAGE}`);
  return parsed as Record<string, unknown>;
}

/**
 * Parses with a zod schema; on failure throws a 400 whose message names each field as Harbor's JSON
 * does. `fieldNames` maps the shared (form) schema's field names onto Harbor's, e.g.
 * `{ name: "project_name", isPublic: "metadata.public" }`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, fieldNames: Readonly<Record<string, string>> = {}): z.output<S> {
  return parseInputs([schema, input, fieldNames])[0];
}

type ParseSpec = readonly [schema: z.ZodType, input: unknown, fieldNames?: Readonly<Record<string, string>>];

/**
 * Several parses at once (typically Harbor's body shape, then the shared schema's rules), so a
 * 400 lists every field at fault in one answer instead of one schema's at a time.
 */
export function parseInputs<T extends readonly ParseSpec[]>(...specs: T): { -readonly [K in keyof T]: z.output<T[K][0]> } {
  const results = specs.map(([schema, input]) => schema.safeParse(input));
  const messages = results.flatMap((r, i) => (r.success ? [] : [zodMessage(r.error, specs[i]?.[2])]));
  if (messages.length) throw new ValidationError(messages.join("; "));
  // Every result succeeded; the mapped tuple type pairs each output with its schema.
  return results.map((r) => r.data) as { -readonly [K in keyof T]: z.output<T[K][0]> };
}

/**
 * Runs a service call and answers its field errors under Harbor's names: a service names the
 * console form's fields (`ipAllowlist`), a REST client sent `metadata.ip_allowlist`. The message
 * becomes `<harbor name>: <message>` per field, as parseInput's are.
 */
export async function withHarborFieldNames<T>(fieldNames: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const renamed = Object.entries(error.fieldErrors).filter(([field]) => field in fieldNames);
    if (renamed.length === 0) throw error;
    const fieldErrors = Object.fromEntries(Object.entries(error.fieldErrors).map(([field, messages]) => [fieldNames[field] ?? field, messages]));
    const message = Object.entries(fieldErrors)
      .map(([field, messages]) => `${field}: ${messages.join("; ")}`)
      .join("; ");
    throw new ValidationError(message, fieldErrors);
  }
}
