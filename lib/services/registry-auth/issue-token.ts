import "server-only";
import { anonymousActor, type Actor, type ClientInfo } from "@/lib/auth/actor";
import { SignInLockedError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { grantAccess } from "@/lib/services/registry-auth/grant";
import { parseScopes } from "@/lib/services/registry-auth/scope";
import { mirroredRepositoryName } from "@/lib/services/proxy-cache/mirror";
import { signRegistryToken, type IssuedToken } from "@/lib/services/registry-auth/token";
import { parseBasicCredentials } from "@/lib/validation/basic-credentials";

export type TokenRequest = {
  /** The Authorization header as sent (Basic for users and robots), or null for anonymous. */
  authorization: string | null;
  /** The `service` query parameter; must name Wharf's registry when present. */
  service: string | null;
  /** Every `scope` query parameter, in order. */
  scopes: string[];
  client: ClientInfo;
};

/**
 * `GET /service/token`: proves who is asking (Basic credentials, or nobody),
 * then signs a token granting, per requested resource, the requested actions the caller holds.
 * Issuing is not a mutation and is not audited; refused credentials are audited by
 * verifyRegistryCredentials.
 *
 * Throws ValidationError (400) for a wrong service or malformed scope, UnauthenticatedError (401)
 * for refused credentials and for an anonymous login without scopes (how `docker login` fails).
 */
export async function issueRegistryToken(request: TokenRequest): Promise<IssuedToken> {
  if (request.service !== null && request.service !== REGISTRY_SERVICE) {
    throw new ValidationError(`Unknown service ${JSON.stringify(request.service.slice(0, 100))}: this token service issues tokens for "${REGISTRY_SERVICE}".`);
  }
  // Scopes are checked before credentials: a malformed request is refused without a password check.
  const parsed = parseScopes(request.scopes);
  // A registry mirror's client names Docker Hub's repositories (lib/services/proxy-cache/mirror.ts).
  const scopes = await Promise.all(parsed.map(async (scope) => (scope.type === "repository" ? { ...scope, name: await mirroredRepositoryName(scope.name) } : scope)));
  const actor = await authenticate(request.authorization, request.client);
  if (actor.kind === "anonymous" && scopes.length === 0) {
    throw new UnauthenticatedError("Authentication required: send a username and password (or a robot's name and secret).");
  }
  const access = await grantAccess(actor, scopes);
  return signRegistryToken({ subject: subjectOf(actor), access });
}

function subjectOf(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return actor.username;
    case "robot":
      return actor.name;
    default:
      return "";
  }
}

/** Basic credentials -> user or robot; no header -> anonymous. */
export async function authenticate(authorization: string | null, client: ClientInfo): Promise<Actor> {
  if (authorization === null || authorization.trim() === "") return anonymousActor(client);
  const credentials = parseBasicCredentials(authorization);
  if (!credentials) throw new UnauthenticatedError("Unsupported Authorization header: send Basic credentials.");
  try {
    return await verifyRegistryCredentials({ ...credentials, client });
  } catch (error) {
    // Registry clients only understand 401 from a token service; the lock's message says when to retry.
    if (error instanceof SignInLockedError) throw new UnauthenticatedError(error.message);
    throw error;
  }
}
