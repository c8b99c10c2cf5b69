import "server-only";
import type { Actor, ClientInfo } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { grantAccess } from "@/lib/services/registry-auth/grant";
import { authenticate } from "@/lib/services/registry-auth/issue-token";
import type { RegistryScope } from "@/lib/services/registry-auth/scope";
import { InvalidTokenError, verifyRegistryToken, type AccessEntry } from "@/lib/services/registry-auth/token";

/** Who is calling and what they may do: a verified token's claims, or a Basic login's grant. */
export type RegistryCaller = {
  subject: string;
  access: AccessEntry[];
  /** Seconds; tokens older than the project they name are refused (a re-created project). */
  issuedAt: number;
  /** Known for Basic logins; looked up from `subject` for tokens when needed. */
  actor: Actor | null;
};

/** The caller, or why it was refused: `error` is the challenge's error ("invalid_token" for a bad token). */
export type CallerCheck = { ok: true; caller: RegistryCaller } | { ok: false; error: "invalid_token" | null; message: string };

/**
 * Checks a /v2 request's credentials: a token from /service/token, or Basic credentials straight
 * on /v2 (Harbor accepts them too), granted exactly what this request needs (`scopes`: a blob
 * mount's source is one of them), as the token service would have. Failures that are not the client's (the database down) are thrown.
 */
export async function authenticateRegistryCaller(authorization: string | null, scopes: readonly RegistryScope[], client: ClientInfo): Promise<CallerCheck> {
  if (authorization === null || authorization.trim() === "") return { ok: false, error: null, message: "Authentication required." };
  if (/^Bearer\s/i.test(authorization)) {
    try {
      const claims = await verifyRegistryToken(authorization.replace(/^Bearer\s+/i, "").trim());
      return { ok: true, caller: { subject: claims.sub, access: claims.access, issuedAt: claims.iat, actor: null } };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { ok: false, error: "invalid_token", message: error.message };
      throw error;
    }
  }
  try {
    const actor = await authenticate(authorization, client);
    const access = scopes.length > 0 ? await grantAccess(actor, scopes) : [];
    const subject = actor.kind === "user" ? actor.username : actor.kind === "robot" ? actor.name : "";
    return { ok: true, caller: { subject, access, issuedAt: Math.floor(Date.now() / 1000), actor } };
  } catch (error) {
    if (error instanceof AppError && error.status === 401) return { ok: false, error: null, message: error.message };
    throw error;
  }
}
