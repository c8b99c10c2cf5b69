import { z } from "zod";
import { AppError } from "@/lib/errors";

/** Harbor's error envelope: `{"errors":[{"code","message"}]}`. */
export type HarborErrors = { errors: { code: string; message: string }[] };

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

export type ErrorResponseOptions = {
  requestId: string;
  /** The caller sent an Authorization header: a 401 then carries a Basic challenge. */
  challenge: boolean;
};

/**
 * Maps anything thrown by a route or a service to Harbor's error answer. AppErrors carry their own
 * status and code; a stray ZodError is a 400; anything else is a bug: logged with the request id,
 * answered with a generic 500 (no message, no stack).
 */
export function errorResponse(err: unknown, { requestId, challenge }: ErrorResponseOptions): Response {
  let status: number;
  let body: HarborErrors;
  if (err instanceof AppError) {
    status = err.status;
    body = harborErrors(err.code, err.message);
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
  return new Response(JSON.stringify(body), { status, headers });
}
