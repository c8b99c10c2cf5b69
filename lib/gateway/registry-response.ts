import { getServerEnv } from "@/lib/env";
import { AppError, DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailableError } from "@/lib/errors";
import { REGISTRY_SERVICE, TOKEN_PATH } from "@/lib/services/registry-auth/constants";

/**
 * Answers in the registry's own format, so docker, skopeo and podman show Wharf's messages:
 * `{"errors":[{"code","message","detail"}]}` (Distribution's errcode package), with the API
 * version header every /v2 answer carries.
 */
export const API_VERSION_HEADER = ["Docker-Distribution-Api-Version", "registry/2.0"] as const;

/** On every /v2 and /service/token answer: browsers must not guess a type for what Wharf serves. */
export const NOSNIFF_HEADER = ["X-Content-Type-Options", "nosniff"] as const;

export type RegistryErrorBody = { errors: { code: string; message: string; detail?: unknown }[] };

export function registryErrorResponse(
  status: number,
  code: string,
  message: string,
  { headers, detail, method }: { headers?: HeadersInit; detail?: unknown; method?: string } = {},
): Response {
  const out = new Headers(headers);
  out.set(API_VERSION_HEADER[0], API_VERSION_HEADER[1]);
  out.set(NOSNIFF_HEADER[0], NOSNIFF_HEADER[1]);
  out.set("Content-Type", "application/json; charset=utf-8");
  out.set("Cache-Control", "no-store");
  const body: RegistryErrorBody = { errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] };
  // A HEAD answer has no body; clients read the status (and the challenge) only.
  return new Response(method === "HEAD" ? null : JSON.stringify(body), { status, headers: out });
}

/** `Bearer realm="<externalUrl>/service/token",service="wharf-registry"[,scope=…][,error=…]` */
export function bearerChallenge({ scope, error }: { scope?: string | null; error?: "invalid_token" | "insufficient_scope" } = {}): string {
  const realm = `${getServerEnv().externalUrl}${TOKEN_PATH}`;
  let challenge = `Bearer realm="${realm}",service="${REGISTRY_SERVICE}"`;
  if (scope) challenge += `,scope="${scope}"`;
  if (error) challenge += `,error="${error}"`;
  return challenge;
}

/** Every token service answer: tokens are never cached, and never sniffed into something else. */
export const TOKEN_SERVICE_HEADERS: Readonly<Record<string, string>> = { "Cache-Control": "no-store", [NOSNIFF_HEADER[0]]: NOSNIFF_HEADER[1] };

/**
 * An error from the token service: AppErrors keep their status and message; anything else is a
 * bug or an outage, logged here and answered without internals.
 */
export function tokenServiceErrorResponse(error: unknown): Response {
  if (error instanceof AppError) {
    // Registry clients expect the errcode names; 401 is UNAUTHORIZED in both vocabularies.
    const code = error.status === 400 ? "BAD_REQUEST" : error.code;
    return Response.json({ errors: [{ code, message: error.message }] }, { status: error.status, headers: TOKEN_SERVICE_HEADERS });
  }
  if (isDatabaseUnavailableError(error)) {
    console.warn(`wharf: token service: the database is unreachable (${(error as Error).message.split("\n")[0]})`);
    return Response.json(
      { errors: [{ code: "UNAVAILABLE", message: "Wharf's database is unreachable; try again later." }] },
      { status: 503, headers: { ...TOKEN_SERVICE_HEADERS, "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) } },
    );
  }
  console.error("wharf: token service failed", error);
  return Response.json(
    { errors: [{ code: "UNKNOWN", message: "The token service failed; see the server log." }] },
    { status: 500, headers: TOKEN_SERVICE_HEADERS },
  );
}
