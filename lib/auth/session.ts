import "server-only";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { type Actor, anonymousActor, type UserActor } from "@/lib/auth/actor";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { getAuthOptions } from "@/lib/auth/options";
import { resolveSessionActor } from "@/lib/services/auth/resolve-session-actor";

/**
 * The actor behind the current request (page, server action or route handler), re-checked
 * against Postgres once per request.
 */
export const getActor = cache(async (): Promise<Actor> => {
  const client = clientInfoFromHeaders(await headers());
  const session = await getServerSession(getAuthOptions());
  const userId = Number(session?.user?.id);
  const sessionVersion = session?.user?.sessionVersion;
  const sessionId = session?.user?.sessionId;
  if (!Number.isInteger(userId) || typeof sessionVersion !== "number" || typeof sessionId !== "string") return anonymousActor(client);
  return (await resolveSessionActor({ userId, sessionVersion, sessionId, client })) ?? anonymousActor(client);
});

/** For pages: the signed-in user, or a redirect to the sign-in page. */
export async function requireUserActor(): Promise<UserActor> {
  const actor = await getActor();
  if (actor.kind !== "user") redirect("/sign-in");
  return actor;
}
