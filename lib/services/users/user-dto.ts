import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";

/** What leaves the service layer about a user: never the password hash or session version. */
export const USER_SUMMARY_SELECT = {
  id: true,
  username: true,
  email: true,
  fullName: true,
  isAdmin: true,
  isAuditor: true,
  disabled: true,
  /** When two-factor sign-in was turned on (null: off); never the secret. */
  totpEnabledAt: true,
  /** "local", "ldap" or "oidc", and the identity there (an LDAP DN, or issuer#subject). */
  authSource: true,
  externalId: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.UserSelect;

export type UserSummary = Prisma.UserGetPayload<{ select: typeof USER_SUMMARY_SELECT }>;
