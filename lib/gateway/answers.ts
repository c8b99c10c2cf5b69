import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailableError } from "@/lib/errors";
import { RegistryUnavailableError } from "@/lib/registry/errors";
import type { RegistryRefusal } from "@/lib/services/registry-auth/authorize-registry-request";
import type { CallerCheck } from "@/lib/services/registry-auth/registry-caller";
import type { RegistryTarget } from "@/lib/services/registry-auth/registry-target";
import { formatScope, type RegistryScope } from "@/lib/services/registry-auth/scope";
import { API_VERSION_HEADER, bearerChallenge, NOSNIFF_HEADER, registryErrorResponse } from "@/lib/gateway/registry-response";

/**
 * The gateway's answers: the services' decisions (a refused caller, a refused request, a failure)
 * turned into the registry's own responses, with the Bearer challenge clients follow to the token
 * service.
 */

/** Credentials missing or refused (authenticateRegistryCaller). */
export function unauthenticated(method: string, scope: readonly RegistryScope[], check: Extract<CallerCheck, { ok: false }>): Response {
  return unauthorized(method, scope, check.error, check.message);
}

/** A repository request the services refused (authorizeRegistryRequest). */
export function refusalAnswer(refusal: RegistryRefusal, target: RegistryTarget, method: string, scope: readonly RegistryScope[]): Response {
  switch (refusal.kind) {
    case "insufficient_scope":
      return unauthorized(method, scope, "insufficient_scope", `Access to ${target.name} requires ${refusal.needed.join(" and ")} permission.`, [
        ...refusal.needed.map((action) => ({ Type: "repository", Class: "", Name: target.name, Action: action })),
      ]);
    case "account_gone":
      return accountGone(method, scope);
    case "stale_token":
      return unauthorized(method, scope, "invalid_token", refusal.message);
    case "address_refused":
      // No credential changes this: 403, not the 401 challenge a client would answer with a new token.
      return registryErrorResponse(403, "DENIED", refusal.message, { method });
    case "project_unknown":
      return registryErrorResponse(404, "NAME_UNKNOWN", `Repository ${target.name} is not known: project ${refusal.project} does not exist.`, { method });
    case "project_missing":
      return registryErrorResponse(403, "DENIED", `project ${refusal.project} does not exist. Create it in Wharf first.`, { method });
  }
}

export function accountGone(method: string, scope: readonly RegistryScope[]): Response {
  return unauthorized(method, scope, "invalid_token", "The account this token was issued to no longer exists or is disabled.");
}

function unauthorized(
  method: string,
  scope: readonly RegistryScope[],
  error: "invalid_token" | "insufficient_scope" | null,
  message: string,
  detail?: unknown,
): Response {
  const challenge = bearerChallenge({
    // Several resources are named space-separated in one scope parameter (Distribution's token spec).
    scope: scope.length > 0 ? scope.map((one) => formatScope(one.type, one.name, one.actions)).join(" ") : null,
    error: error ?? undefined,
  });
  return registryErrorResponse(401, "UNAUTHORIZED", message, { method, detail, headers: { "WWW-Authenticate": challenge } });
}

/** Refusing before the body was read: cancel it, so the client is not left uploading into nothing. */
export async function reject(req: Request, response: Response): Promise<Response> {
  await req.body?.cancel().catch(() => undefined);
  return response;
}

/** Every /v2 answer: the API version, and nosniff (a blob is whatever bytes were pushed; a browser must not run it). */
export function withRegistryHeaders(response: Response): Response {
  if (!response.headers.has(API_VERSION_HEADER[0])) response.headers.set(API_VERSION_HEADER[0], API_VERSION_HEADER[1]);
  response.headers.set(NOSNIFF_HEADER[0], NOSNIFF_HEADER[1]);
  return response;
}

/** Traffic the registry accepted but Wharf could not record: the client is told it failed. */
export class RecordingError extends Error {
  override name = "RecordingError";
}

export function failureResponse(error: unknown, method: string): Response {
  if (error instanceof RegistryUnavailableError) {
    console.error(`wharf: gateway: ${error.message}`);
    return registryErrorResponse(503, "UNAVAILABLE", "The backing registry is unreachable; try again later.", {
      method,
      headers: { "Retry-After": "5" },
    });
  }
  if (isDatabaseUnavailableError(error)) {
    console.warn(`wharf: gateway: the database is unreachable (${(error as Error).message.split("\n")[0]})`);
    return registryErrorResponse(503, "UNAVAILABLE", "Wharf's database is unreachable; try again later.", {
      method,
      headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
    });
  }
  if (error instanceof RecordingError) {
    console.error(`wharf: gateway: ${error.message}`, error.cause);
    return registryErrorResponse(500, "UNKNOWN", `${error.message}; try again.`, { method });
  }
  console.error("wharf: gateway: unexpected failure", error);
  return registryErrorResponse(500, "UNKNOWN", "The registry gateway failed; see the server log.", { method });
}
