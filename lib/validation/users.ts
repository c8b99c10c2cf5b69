import { z } from "zod";
import { LOCALES } from "@/lib/i18n/locales";
import { singleLine, ZCheckbox, ZId, ZSearchText } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";
import { PASSWORD_RULE_TEXT } from "@/lib/validation/password-rule";
import { PATTERN_MAX_LENGTH, patternError } from "@/lib/policy/selectors";
import { ZRoleId } from "@/lib/validation/projects";

/**
 * Harbor's username rule (no , " ~ # % $), plus no ':' (it would break HTTP Basic auth for docker
 * login) and no whitespace (invisible in lists and logs).
 */
export const ZUsername = singleLine(z.string({ error: "Username is required" }))
  .min(1, "Username is required")
  .max(255, "Username must be at most 255 characters")
  .regex(/^[^,"~#%$:\s]+$/, 'Username must not contain spaces or any of , " ~ # % $ :');

export const ZEmail = singleLine(z.string({ error: "Email is required" }))
  .trim()
  .min(1, "Email is required")
  .max(255, "Email must be at most 255 characters")
  .pipe(z.email("Enter a valid email address"))
  .transform((v) => v.toLowerCase());

export const ZFullName = singleLine(z.string({ error: "Full name is required" }))
  .trim()
  .min(1, "Full name is required")
  .max(255, "Full name must be at most 255 characters");

/** Harbor's password policy: 8-128 characters with at least one upper, one lower and one digit. */
export { PASSWORD_RULE_TEXT };
export const ZPassword = z
  .string({ error: "Password is required" })
  .min(8, `Password must be ${PASSWORD_RULE_TEXT}`)
  .max(128, `Password must be ${PASSWORD_RULE_TEXT}`)
  .refine((v) => /[a-z]/.test(v) && /[A-Z]/.test(v) && /\d/.test(v), `Password must be ${PASSWORD_RULE_TEXT}`);

export const ZCreateUser = z.object({
  username: ZUsername,
  email: ZEmail,
  fullName: ZFullName,
  password: ZPassword,
  isAdmin: ZCheckbox.default(false),
});
export type TCreateUser = z.infer<typeof ZCreateUser>;

export const ZUpdateUser = z.object({
  userId: ZId,
  email: ZEmail,
  fullName: ZFullName,
});
export type TUpdateUser = z.infer<typeof ZUpdateUser>;

export const ZResetUserPassword = z.object({ userId: ZId, password: ZPassword });
export type TResetUserPassword = z.infer<typeof ZResetUserPassword>;

export const ZSetUserDisabled = z.object({ userId: ZId, disabled: ZCheckbox });
export type TSetUserDisabled = z.infer<typeof ZSetUserDisabled>;

export const ZSetUserAdmin = z.object({ userId: ZId, isAdmin: ZCheckbox });
export type TSetUserAdmin = z.infer<typeof ZSetUserAdmin>;

export const ZChangeOwnPassword = z
  .object({
    currentPassword: z.string().min(1, "Current password is required").max(128, "Current password is wrong"),
    newPassword: ZPassword,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The two new passwords do not match",
  })
  .refine((v) => v.newPassword !== v.currentPassword, {
    path: ["newPassword"],
    message: "The new password must differ from the current one",
  });
export type TChangeOwnPassword = z.infer<typeof ZChangeOwnPassword>;

export const ZListUsersQuery = z.object({
  q: ZSearchText,
  ...ZConsolePaging.shape,
});
export type TListUsersQuery = z.infer<typeof ZListUsersQuery>;

export const ZSignIn = z.object({
  username: singleLine(z.string()).min(1, "Username is required").max(255),
  password: z.string().min(1, "Password is required").max(128),
  /** The two-factor code or a recovery code, when the account has two-factor sign-in on. */
  otp: z
    .string()
    .max(32)
    .optional()
    .transform((v) => v?.trim() || undefined),
});

export const ZSystemRole = z.enum(["none", "admin", "auditor"], { error: "Choose none, admin or auditor" });
export const ZSetUserSystemRole = z.object({ userId: ZId, role: ZSystemRole });
export type TSetUserSystemRole = z.infer<typeof ZSetUserSystemRole>;

/** A user's console language (the account page's switcher). */
export const ZSetPreferredLocale = z.object({
  locale: z.enum(LOCALES, { error: "Choose English or 简体中文" }),
});
export type TSetPreferredLocale = z.output<typeof ZSetPreferredLocale>;

/** A two-factor code typed to prove possession: six digits, or a recovery code (`abcde-fghjk`). */
export const ZTwoFactorCode = z.object({
  code: singleLine(z.string().trim()).min(1, "Type the code from your app").max(32, "A code has at most 32 characters"),
});
/** Forms that carry no input (start set-up, new CLI secret). */
export const ZNoInput = z.object({});
/** Administration → Settings: require two-factor sign-in for administrators. */
export const ZAdminTwoFactorRequirement = z.object({ requireAdminTwoFactor: ZCheckbox });
/** An administrator's reset of a user's two-factor sign-in. */
export const ZResetTwoFactor = z.object({ userId: ZId });

/**
 * A role across projects: a doublestar pattern over project names (`team-*`, `{web,api}-prod`)
 * and the role it gives. `/` never appears in a project name, so a pattern holding one could
 * never match and is refused.
 */
export const ZCreateRoleRule = z.object({
  userId: ZId,
  pattern: singleLine(z.string().trim())
    .min(1, "Enter a pattern, e.g. team-*")
    .max(PATTERN_MAX_LENGTH, `At most ${PATTERN_MAX_LENGTH} characters`)
    .refine((p) => !p.includes("/"), "Project names have no /: the pattern matches names such as team-a")
    .superRefine((p, ctx) => {
      const error = patternError("doublestar", p);
      if (error) ctx.addIssue({ code: "custom", message: error });
    }),
  roleId: ZRoleId,
});
export type TCreateRoleRule = z.infer<typeof ZCreateRoleRule>;
export const ZDeleteRoleRule = z.object({ userId: ZId, ruleId: ZId });
/** The same for a group (identity/groups.ts): every member holds the role. */
export const ZCreateGroupRoleRule = ZCreateRoleRule.omit({ userId: true }).extend({ groupId: ZId });
export type TCreateGroupRoleRule = z.infer<typeof ZCreateGroupRoleRule>;
export const ZDeleteGroupRoleRule = z.object({ groupId: ZId, ruleId: ZId });
export const ZDeleteUserGroup = z.object({ groupId: ZId });
