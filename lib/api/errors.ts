import { z } from "zod";
import { AppError, DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailableError, someErrorInChain, ValidationError } from "@/lib/errors";
import { RegistryUnavailableError } from "@/lib/registry/errors";

/** Harbor's error envelope: `{"errors":[{"code","message"}]}` (one error per answer in Wharf). */
export const ZHarborErrors = z.object({
  errors: z.array(
    z.object({
      code: z.string().describe("BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PRECONDITION, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE, UNKNOWN"),
      message: z.string(),
    }),
  ),
});
export type HarborErrors = z.infer<typeof ZHarborErrors>;

export function harborErrors(code: string, message: string): HarborErrors {
  return { errors: [{ code, message }] };
}

/** Harbor answers 500s with code UNKNOWN; the detail goes to the log, never to the caller. */
const INTERNAL_MESSAGE = "Internal server error. The server log has the details";

/** Formats a zod path as Harbor's JSON would name it: `permissions[0].access[1].resource`. */
export function harborPath(path: readonly PropertyKey[], fieldNames: Readonly<Record<string, string>> = {}): string {
  let out = "";
  path.forEach((segment, i) => {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const name = String(segment);
      // Only the first segment can be a domain field name (the shared schemas are flat).
      const mapped = i === 0 ? (fieldNames[name] ?? name) : name;
      out += out ? `.${mapped}` : mapped;
    }
  });
  return out;
}

/** `"<field>: <message>; ..."` with Harbor's field names, each distinct message once. */
export function zodMessage(error: z.ZodError, fieldNames: Readonly<Record<string, string>> = {}): string {
  const parts = error.issues.map((issue) => {
    const field = harborPath(issue.path, fieldNames);
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  return [...new Set(parts)].join("; ");
}

/** Seconds a client is asked to wait before retrying while the backing registry is down. */
export const REGISTRY_RETRY_AFTER_SECONDS = 30;

/**
 * Postgres refusing a value it cannot store: 22021 (a NUL or invalid UTF-8 in text), 22P05
 * (`\u0000` in JSON), 22003 (a number out of its column's range, e.g. an id beyond `integer`).
 */
const UNSTORABLE_VALUE_CODES = new Set(["22021", "22P05", "22003"]);

/**
 * Whether `err` is, or wraps, Postgres refusing a value (see above). Prisma's driver adapter puts
 * the database's code on the error (DriverAdapterError), on its `cause`, or under
 * `meta.driverAdapterError.cause`; Prisma names an out-of-range value P2020.
 */
export function isUnstorableValueError(err: unknown): boolean {
  return someErrorInChain(
    err,
    (rec) => rec.code === "P2020" || UNSTORABLE_VALUE_CODES.has(String(rec.code)) || UNSTORABLE_VALUE_CODES.has(String(rec.originalCode)),
  );
}

/**
 * The deliberate answer to an error that is not a bug, shared by the REST API and the server
 * actions: AppErrors as they are; the backing registry or the database being down -> 503; a value Postgres cannot
 * store (a NUL or an out-of-range number that got past the edge checks) -> 400. Null for anything
 * else (a bug).
 */
export function knownAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof RegistryUnavailableError) {
    return new AppError("The registry is unavailable right now, so this cannot be done. Try again in a minute.", 503, "SERVICE_UNAVAILABLE");
  }
  if (isDatabaseUnavailableError(err)) {
    return new AppError("The database is unavailable right now, so this cannot be done. Try again in a minute.", 503, "SERVICE_UNAVAILABLE");
  }
  if (isUnstorableValueError(err)) return new ValidationError("The request contains a value that cannot be stored (such as a NUL byte or a number out of range).");
  return null;
}

export type ErrorResponseOptions = {
  requestId: string;
  /** The caller sent an Authorization header: a 401 then carries a Basic challenge. */
  challenge: boolean;
};

/**
 * Maps anything thrown by a route or a service to Harbor's error answer. AppErrors (and the other
 * known errors, see knownAppError) carry their own status and code; a stray ZodError is a 400;
 * anything else is a bug: logged with the request id, answered with a generic 500 (no message, no
 * stack). A 503 because the registry is down carries Retry-After.
 */
export function errorResponse(err: unknown, { requestId, challenge }: ErrorResponseOptions): Response {
  let status: number;
  let body: HarborErrors;
  const known = knownAppError(err);
  if (known) {
    status = known.status;
    body = harborErrors(known.code, known.message);
    if (err instanceof RegistryUnavailableError) console.warn(`wharf: REST API request ${requestId}: ${err.message}`);
    else if (known.status === 503) console.warn(`wharf: REST API request ${requestId}: the database is unreachable (${(err as Error).message.split("\n")[0]})`);
  } else if (err instanceof z.ZodError) {
    status = 400;
    body = harborErrors("BAD_REQUEST", zodMessage(err));
  } else {
    console.error(`wharf: REST API request ${requestId} failed unexpectedly`, err);
    status = 500;
    body = harborErrors("UNKNOWN", `${INTERNAL_MESSAGE} (request id ${requestId}).`);
  }
  const headers = new Headers({ "Content-Type": "application/json; charset=utf-8" });
  // Only callers that tried Basic get the challenge: a browser that receives it for a cookie
  // request would pop up its own password dialog.
  if (status === 401 && challenge) headers.set("WWW-Authenticate", 'Basic realm="wharf"');
  if (err instanceof RegistryUnavailableError) headers.set("Retry-After", String(REGISTRY_RETRY_AFTER_SECONDS));
  else if (status === 503) headers.set("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
  return new Response(JSON.stringify(body), { status, headers });
}
