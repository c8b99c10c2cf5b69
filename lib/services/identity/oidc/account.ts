import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";

export type OidcAccountStatus = {
  /** The signed-in user's account comes from the OIDC identity provider. */
  oidc: boolean;
  /** When the current CLI secret was made; null while there is none. */
  cliSecretCreatedAt: Date | null;
};

/**
 * The account page's view of the signed-in user's own account: whether it is an OIDC account
 * (no Wharf password; registry clients use the CLI secret) and when its CLI secret was made.
 */
export async function getOidcAccountStatus({ actor }: { actor: Actor }): Promise<OidcAccountStatus> {
  if (actor.kind !== "user") throw new UnauthenticatedError();
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.id }, select: { authSource: true, cliSecretCreatedAt: true } });
  return { oidc: user.authSource === "oidc", cliSecretCreatedAt: user.authSource === "oidc" ? user.cliSecretCreatedAt : null };
}
