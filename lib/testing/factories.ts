import { randomBytes } from "node:crypto";
import type { UserActor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";

export const TEST_PASSWORD = "Passw0rd-for-tests";

/** A unique, valid username for one test, so tests never depend on each other's rows. */
export function uniqueName(prefix = "user"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

let cachedHash: Promise<string> | undefined;

/** Inserts a user directly (test setup is not an audited action). */
export async function createTestUser(
  options: { isAdmin?: boolean; isAuditor?: boolean; disabled?: boolean; username?: string } = {},
) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const username = options.username ?? uniqueName();
  return db.user.create({
    data: {
      username,
      email: `${username.toLowerCase()}@example.test`,
      fullName: `Test ${username}`,
      passwordHash: await cachedHash,
      isAdmin: options.isAdmin ?? false,
      isAuditor: options.isAuditor ?? false,
      disabled: options.disabled ?? false,
    },
  });
}

export function actorFor(user: { id: number; username: string; isAdmin: boolean; isAuditor?: boolean }): UserActor {
  return {
    kind: "user",
    id: user.id,
    username: user.username,
    isAdmin: user.isAdmin,
    isAuditor: user.isAuditor ?? false,
    client: { ip: "192.0.2.10", userAgent: "vitest" },
  };
}

/** Audit rows about one resource, oldest first. */
export function auditRowsFor(resourceType: string, resourceName: string) {
  return db.auditEvent.findMany({ where: { resourceType, resourceName }, orderBy: { id: "asc" } });
}

export { db };
