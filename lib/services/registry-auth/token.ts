import "server-only";
import { randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTHeaderParameters } from "jose";
import { z } from "zod";
import { processCache } from "@/lib/cache/process-cache";
import {
  REGISTRY_SERVICE,
  TOKEN_ISSUER,
  TOKEN_LEEWAY_SECONDS,
  TOKEN_TTL_SECONDS,
} from "@/lib/services/registry-auth/constants";
import { getSigningKey, getVerificationKey, TOKEN_ALGORITHM } from "@/lib/services/registry-auth/signing-key";

/**
 * Registry tokens in Distribution's format (as Harbor issues them): an ES256 JWT
 * with `kid`, `aud` as a plain string, and `access` listing what the bearer may do per resource.
 */
export const ZAccessEntry = z.object({
  type: z.string().max(64),
  name: z.string().max(512),
  actions: z.array(z.string().max(32)).max(16),
});
export type AccessEntry = z.infer<typeof ZAccessEntry>;

const ZClaims = z.object({
  iss: z.literal(TOKEN_ISSUER),
  sub: z.string().max(255),
  aud: z.literal(REGISTRY_SERVICE),
  exp: z.number(),
  iat: z.number(),
  access: z.array(ZAccessEntry).max(128).default([]),
});
export type RegistryTokenClaims = z.infer<typeof ZClaims>;

export type IssuedToken = {
  token: string;
  /** The same token, under the OAuth2 name some clients read. */
  access_token: string;
  expires_in: number;
  issued_at: string;
};

export async function signRegistryToken(
  { subject, access }: { subject: string; access: AccessEntry[] },
  { now = Date.now(), ttlSeconds = TOKEN_TTL_SECONDS }: { now?: number; ttlSeconds?: number } = {},
): Promise<IssuedToken> {
  const key = await getSigningKey();
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({ access })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: "JWT", kid: key.kid })
    .setIssuer(TOKEN_ISSUER)
    .setSubject(subject)
    .setAudience(REGISTRY_SERVICE) // a string: Distribution rejects an array
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, access_token: token, expires_in: ttlSeconds, issued_at: new Date(iat * 1000).toISOString() };
}

/** Why a bearer token was refused; the message goes back to the client. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/**
 * Verified tokens, so the blobs and chunks of one pull or push (dozens of requests with the same
 * token) pay for one signature check. Entries leave when the token expires; the cache is bounded.
 * Safe to keep on every instance until then: a token's claims are signed and never change, and
 * what revokes one (a grant removed, an account disabled, credentials changed) is checked apart
 * from them on every gateway request (current-grant.ts reads the grant version).
 */
const verified = processCache<{ claims: RegistryTokenClaims; until: number }>({ name: "verified-tokens", max: 5_000, ttlMs: 0, invalidatedBy: null });

export async function verifyRegistryToken(token: string, { now = Date.now() }: { now?: number } = {}): Promise<RegistryTokenClaims> {
  const hit = verified.get(token);
  if (hit && hit.until > now) return hit.claims;
  if (hit) verified.delete(token);
  if (token.length > 16_384) throw new InvalidTokenError("The token is too long.");

  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyForHeader, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: REGISTRY_SERVICE,
      clockTolerance: TOKEN_LEEWAY_SECONDS,
      requiredClaims: ["exp", "iat", "sub"],
      currentDate: new Date(now),
    }));
  } catch (error) {
    throw new InvalidTokenError(describeJoseError(error));
  }
  const parsed = ZClaims.safeParse(payload);
  if (!parsed.success) throw new InvalidTokenError("The token's claims are not in Wharf's format.");
  const claims = parsed.data;
  const until = (claims.exp + TOKEN_LEEWAY_SECONDS) * 1000;
  // Gone from the cache when it expires (`until` is still checked against the caller's clock).
  verified.set(token, { claims, until }, { ttl: Math.max(1, Math.ceil(until - Date.now())) });
  return claims;
}

async function keyForHeader(header: JWTHeaderParameters) {
  if (typeof header.kid !== "string" || header.kid === "") throw new InvalidTokenError("The token names no signing key (kid).");
  const key = await getVerificationKey(header.kid);
  if (!key) throw new InvalidTokenError("The token was not signed by a key of this Wharf.");
  return key;
}

function describeJoseError(error: unknown): string {
  if (error instanceof InvalidTokenError) return error.message;
  if (error instanceof joseErrors.JWTExpired) return "The token has expired.";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not valid here.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "The token's signature is not valid.";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The token is not signed with ES256.";
  if (error instanceof joseErrors.JOSEError) return "The token is malformed.";
  // Anything else (the database down while loading keys) is not the client's fault.
  throw error;
}

/** The actions `claims` grant on one resource ("*" is every action). */
export function grantedActions(claims: Pick<RegistryTokenClaims, "access">, type: string, name: string): Set<string> {
  const granted = new Set<string>();
  for (const entry of claims.access) {
    if (entry.type === type && entry.name === name) for (const action of entry.actions) granted.add(action);
  }
  return granted;
}

export function tokenGrants(claims: Pick<RegistryTokenClaims, "access">, type: string, name: string, actions: readonly string[]): boolean {
  const granted = grantedActions(claims, type, name);
  return granted.has("*") || actions.every((action) => granted.has(action));
}
