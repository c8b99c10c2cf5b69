import "server-only";
import { randomBytes } from "node:crypto";
import { systemActor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import { PASSWORD_RULE_TEXT, ZPassword } from "@/lib/validation/users";

export const INITIAL_ADMIN_USERNAME = "admin";

export type EnsureInitialAdminResult =
  /**
   * `configuredPasswordIgnored`: a WHARF_ADMIN_PASSWORD was given but `admin` already existed
   * (created on an earlier start, or by another instance starting at the same moment, perhaps
   * with a generated password), so it was not applied. The caller says so in the log.
   */
  | { created: false; configuredPasswordIgnored: boolean }
  | { created: true; generatedPassword: string | null };

/**
 * First start only: creates user `admin` with WHARF_ADMIN_PASSWORD, or with a generated password
 * that the caller prints once. Later starts find the user and change nothing, whatever the
 * variable says (the admin may have changed the password since).
 */
export async function ensureInitialAdmin({
  configuredPassword,
}: {
  configuredPassword: string | undefined;
}): Promise<EnsureInitialAdminResult> {
  const existing = await db.user.findUnique({ where: { username: INITIAL_ADMIN_USERNAME }, select: { id: true } });
  const ignored = { created: false, configuredPasswordIgnored: configuredPassword !== undefined } as const;
  if (existing) return ignored;

  if (configuredPassword !== undefined && !ZPassword.safeParse(configuredPassword).success) {
    throw new ValidationError(`WHARF_ADMIN_PASSWORD must be ${PASSWORD_RULE_TEXT}.`);
  }
  const generatedPassword = configuredPassword === undefined ? generatePassword() : null;
  const passwordHash = await hashPassword(configuredPassword ?? generatedPassword!);
  try {
    await db.$transaction(async (tx) => {
      const admin = await tx.user.create({
        data: {
          username: INITIAL_ADMIN_USERNAME,
          email: "admin@wharf.local",
          fullName: "System Administrator",
          passwordHash,
          isAdmin: true,
        },
        select: { id: true, username: true },
      });
      await recordAuditEvent(tx, {
        actor: systemActor("bootstrap"),
        action: "user.create",
        resource: { type: "user", id: admin.id, name: admin.username },
        detail: { initialAdmin: true, passwordSource: generatedPassword ? "generated" : "WHARF_ADMIN_PASSWORD" },
      });
    });
  } catch (err) {
    // Another Wharf instance starting at the same moment created it first.
    if (isUniqueViolation(err)) return ignored;
    throw err;
  }
  return { created: true, generatedPassword };
}

/** 24 random characters plus one of each class the password policy asks for. */
function generatePassword(): string {
  return `${randomBytes(18).toString("base64url")}aZ7`;
}
