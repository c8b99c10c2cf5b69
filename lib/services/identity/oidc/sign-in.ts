import "server-only";
import type { ClientInfo } from "@/lib/auth/actor";
import { type ExternalIdentity, type ExternalSession, ExternalSignInRefused, recordExternalRefusal, signInExternalUser } from "@/lib/services/identity/external-users";
import type { OidcSignInConfig } from "@/lib/services/identity/oidc/settings";

/**
 * The claims an identity provider vouched for (the ID token's, verified by next-auth's
 * openid-client, with the userinfo answer) turned into a Wharf sign-in (issue 18 item 1).
 */

/** Why an OIDC sign-in was refused, as next-auth carries it to the sign-in page (`?error=<code>`). */
export const OIDC_REFUSAL_CODES = ["OidcNoAccount", "OidcUsernameTaken", "OidcDisabled", "OidcUsername", "OidcClaimMissing", "OidcRefused", "OidcUnavailable"] as const;
export type OidcRefusalCode = (typeof OIDC_REFUSAL_CODES)[number];

const CLAIM_MISSING = "username claim missing";

/**
 * The identity in the claims. The username is the configured claim's value and nothing else: a
 * provider that does not send it is refused (with an audit row naming the subject), not signed in
 * under another claim (display names are neither unique nor stable).
 */
export function identityFromClaims(claims: Record<string, unknown>, config: Pick<OidcSignInConfig, "usernameClaim" | "groupsClaim" | "adminGroup">): ExternalIdentity | { missingClaim: string; subject: string } {
  const iss = typeof claims.iss === "string" ? claims.iss : "";
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  if (!iss || !sub) return { missingClaim: !iss ? "iss" : "sub", subject: sub || "(no subject)" };
  const username = claims[config.usernameClaim];
  if (typeof username !== "string" || username.trim() === "") return { missingClaim: config.usernameClaim, subject: sub };
  const groupValues = config.groupsClaim ? claims[config.groupsClaim] : undefined;
  const groups = (Array.isArray(groupValues) ? groupValues : typeof groupValues === "string" ? [groupValues] : []).filter(
    (g): g is string => typeof g === "string" && g !== "",
  );
  return {
    source: "oidc",
    externalId: `${iss}#${sub}`,
    username: username.trim(),
    email: typeof claims.email === "string" && claims.email !== "" ? claims.email : null,
    fullName: typeof claims.name === "string" && claims.name !== "" ? claims.name : null,
    groups: [...new Set(groups)].map((value) => ({ externalKey: value, name: value })),
    inAdminGroup: config.adminGroup === null ? null : groups.includes(config.adminGroup),
  };
}

/**
 * Signs in the person the claims name: the account provisioned or linked, groups and the admin flag
 * synced, the session opened and audited (lib/services/identity/external-users.ts). Throws
 * ExternalSignInRefused (audited) when they may not sign in.
 */
export async function signInWithOidcClaims({ claims, config, client }: { claims: Record<string, unknown>; config: OidcSignInConfig; client: ClientInfo }): Promise<ExternalSession> {
  const identity = identityFromClaims(claims, config);
  if ("missingClaim" in identity) {
    const reason = `${CLAIM_MISSING}: ${identity.missingClaim}`;
    await recordExternalRefusal({ source: "oidc", username: identity.subject }, client, reason);
    throw new ExternalSignInRefused(
      `The identity provider sent no "${identity.missingClaim}" claim, so Wharf cannot name your account. Ask an administrator to check the username claim and scopes.`,
      reason,
    );
  }
  return signInExternalUser({ identity, onboard: config.autoOnboard, client });
}

/** The code the sign-in page shows a refusal by (its text is translated there). */
export function oidcRefusalCode(err: unknown): OidcRefusalCode {
  if (!(err instanceof ExternalSignInRefused)) return "OidcUnavailable";
  const { reason } = err;
  if (reason.startsWith("no account")) return "OidcNoAccount";
  if (reason.startsWith("username taken")) return "OidcUsernameTaken";
  if (reason === "account disabled") return "OidcDisabled";
  if (reason.endsWith("username not usable")) return "OidcUsername";
  if (reason.startsWith(CLAIM_MISSING)) return "OidcClaimMissing";
  return "OidcRefused";
}
