import "server-only";
import type { ClientInfo } from "@/lib/auth/actor";
import { anonymousActor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { startSession } from "@/lib/services/auth/sessions";
import { type ExternalGroup, type GroupSync, forgetUserGroups, syncUserGroups } from "@/lib/services/identity/groups";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { ZUsername } from "@/lib/validation/users";

/**
 * Users who prove who they are at an LDAP directory or an OIDC identity provider (issue 18 items
 * 1-2). Both sources end here with what they learnt, so the rules are the same:
 *
 * - the account is found by its identity at the source (the entry's DN, or issuer and subject),
 *   never by a name the source lets people choose; an account an administrator created (or an
 *   LDAP import created) before its first sign-in is linked by username, as that source's account;
 * - without such an account, one is created when the source onboards automatically, else refused;
 * - a username taken by an account of another source is refused, never taken over;
 * - email, full name, groups and (with an admin group configured) the administrator flag are
 *   refreshed from the source at every sign-in, so a group removed in the directory takes its
 *   project roles away at the next one.
 *
 * External accounts have no Wharf password: their hash is a marker no password verifies against.
 */
export type ExternalSource = "ldap" | "oidc";

export type ExternalIdentity = {
  source: ExternalSource;
  /** LDAP: the entry's DN; OIDC: `<issuer>#<subject>`. */
  externalId: string;
  username: string;
  email: string | null;
  fullName: string | null;
  groups: readonly ExternalGroup[];
  /** null when no admin group is configured (the Wharf flag stands); else whether the user is in it. */
  inAdminGroup: boolean | null;
};

export const EXTERNAL_PASSWORD_HASH = "!external";

export type ProvisionedUser = {
  id: number;
  username: string;
  isAdmin: boolean;
  isAuditor: boolean;
  sessionVersion: number;
  totpEnabledAt: Date | null;
  created: boolean;
  groups: GroupSync;
  adminChanged: boolean;
};

const SOURCE_LABEL: Record<ExternalSource, string> = { ldap: "LDAP", oidc: "OIDC" };

/** Refused sign-ins say why in the audit row (`reason`), and what the person can do in the message. */
export class ExternalSignInRefused extends UnauthenticatedError {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/**
 * Finds or creates the account of an identity the source has just vouched for and refreshes it
 * from the source, in the caller's transaction. Throws ExternalSignInRefused when it may not sign in.
 */
export async function provisionExternalUser(tx: DbTransaction, identity: ExternalIdentity, { onboard }: { onboard: boolean }): Promise<ProvisionedUser> {
  const label = SOURCE_LABEL[identity.source];
  const username = ZUsername.safeParse(identity.username);
  if (!username.success) {
    throw new ExternalSignInRefused(
      `Your ${label} username "${identity.username.slice(0, 64)}" cannot be a Wharf username: ${username.error.issues[0]?.message ?? "invalid"}. Ask an administrator to choose another attribute or claim for usernames.`,
      `${label} username not usable`,
    );
  }
  const select = { id: true, username: true, authSource: true, externalId: true, email: true, fullName: true, isAdmin: true, isAuditor: true, disabled: true, sessionVersion: true, totpEnabledAt: true } as const;
  let user =
    (await tx.user.findUnique({ where: { authSource_externalId: { authSource: identity.source, externalId: identity.externalId } }, select })) ??
    null;
  let created = false;
  if (!user) {
    const sameName = await tx.user.findFirst({ where: { username: { equals: username.data, mode: "insensitive" } }, select });
    if (sameName && (sameName.authSource !== identity.source || sameName.externalId !== null)) {
      throw new ExternalSignInRefused(
        `The username "${username.data}" belongs to another Wharf account. Ask an administrator to rename one of them.`,
        `username taken by a ${sameName.authSource === "local" ? "local" : SOURCE_LABEL[sameName.authSource as ExternalSource] ?? sameName.authSource} account`,
      );
    }
    if (sameName) {
      // Created before its first sign-in (by an administrator, or an LDAP import): linked now.
      user = await tx.user.update({ where: { id: sameName.id }, data: { externalId: identity.externalId }, select });
    } else if (!onboard) {
      throw new ExternalSignInRefused(
        `There is no Wharf account for you yet. Ask an administrator to create the ${label} user "${username.data}".`,
        `no account (${label} onboarding is off)`,
      );
    } else {
      user = await tx.user.create({
        data: {
          username: username.data,
          email: await usableEmail(tx, identity.email, username.data, identity.source, null),
          fullName: (identity.fullName ?? username.data).slice(0, 255),
          passwordHash: EXTERNAL_PASSWORD_HASH,
          authSource: identity.source,
          externalId: identity.externalId,
          isAdmin: identity.inAdminGroup === true,
        },
        select,
      });
      created = true;
    }
  }
  if (user.disabled) throw new ExternalSignInRefused("This account is disabled. Ask an administrator to enable it.", "account disabled");

  const isAdmin = identity.inAdminGroup ?? user.isAdmin;
  // An administrator is never also the read-only auditor (the users service keeps them apart).
  const adminChanged = isAdmin !== user.isAdmin;
  const email = identity.email ? await usableEmail(tx, identity.email, user.username, identity.source, user.id) : user.email;
  const fullName = identity.fullName ? identity.fullName.slice(0, 255) : user.fullName;
  if (!created && (adminChanged || email !== user.email || fullName !== user.fullName)) {
    user = await tx.user.update({ where: { id: user.id }, data: { isAdmin, isAuditor: isAdmin ? false : user.isAuditor, email, fullName }, select });
    if (adminChanged) await bumpGrantVersion(tx);
  }
  const groups = await syncUserGroups(tx, user.id, identity.source, identity.groups);
  return {
    id: user.id,
    username: user.username,
    isAdmin: user.isAdmin,
    isAuditor: user.isAuditor,
    sessionVersion: user.sessionVersion,
    totpEnabledAt: user.totpEnabledAt,
    created,
    groups,
    adminChanged,
  };
}

/** The source's email if no other account uses it; else (or without one) a placeholder that cannot receive mail. */
async function usableEmail(tx: DbTransaction, email: string | null, username: string, source: ExternalSource, userId: number | null): Promise<string> {
  const placeholder = `${username}@${source}.invalid`.slice(0, 255);
  if (!email || email.length > 255) return placeholder;
  const other = await tx.user.findFirst({ where: { email, ...(userId === null ? {} : { id: { not: userId } }) }, select: { id: true } });
  return other ? placeholder : email;
}

/** What a sign-in through a source changed, for the detail of its audit row. */
export function provisionDetail(user: ProvisionedUser, source: ExternalSource): Record<string, unknown> {
  return {
    auth_source: source,
    ...(user.created ? { onboarded: true } : {}),
    ...(user.groups.added.length > 0 ? { groups_added: user.groups.added } : {}),
    ...(user.groups.removed.length > 0 ? { groups_removed: user.groups.removed } : {}),
    ...(user.adminChanged ? { admin: user.isAdmin } : {}),
  };
}

export type ExternalSession = { id: number; username: string; sessionVersion: number; sessionId: string };

/**
 * Opens a console session for an identity the source vouched for: the account provisioned, the
 * session started and one `session.sign_in` row naming the source and what changed, in one
 * transaction. A refusal writes one failure row and throws.
 */
export async function signInExternalUser({
  identity,
  onboard,
  client,
  detail = {},
}: {
  identity: ExternalIdentity;
  onboard: boolean;
  client: ClientInfo;
  /** More for the sign-in row, e.g. `second_factor` when the account also asked for its code. */
  detail?: Record<string, unknown>;
}): Promise<ExternalSession> {
  try {
    const session = await db.$transaction(async (tx) => {
      const user = await provisionExternalUser(tx, identity, { onboard });
      const sessionId = await startSession(tx, user.id);
      await recordAuditEvent(tx, {
        actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, isAuditor: user.isAuditor, client },
        action: "session.sign_in",
        resource: { type: "session", id: user.id, name: user.username },
        detail: { ...provisionDetail(user, identity.source), ...detail },
      });
      return { id: user.id, username: user.username, sessionVersion: user.sessionVersion, sessionId };
    });
    forgetUserGroups();
    return session;
  } catch (err) {
    if (err instanceof ExternalSignInRefused) await recordExternalRefusal(identity, client, err.reason);
    throw err;
  }
}

/** One failure row for a refused sign-in through a source, filed under the name the source gave. */
export async function recordExternalRefusal(identity: Pick<ExternalIdentity, "source" | "username">, client: ClientInfo, reason: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await recordAuditEvent(tx, {
      actor: anonymousActor(client),
      action: "session.sign_in",
      resource: { type: "session", id: null, name: identity.username.slice(0, 255) },
      result: "failure",
      reason,
      detail: { auth_source: identity.source },
      claimedName: identity.username,
    });
  });
}
