/** Harbor's password policy in words; no imports, so forms can show it without bringing in zod. */
export const PASSWORD_RULE_TEXT = "8-128 characters, with at least one uppercase letter, one lowercase letter and one digit";
