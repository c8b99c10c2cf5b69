/**
 * The OIDC settings' defaults, import-free so the console form can show them without pulling zod
 * into the browser (lib/client-imports.test.ts); lib/validation/oidc.ts applies them.
 */
export const OIDC_DEFAULT_SCOPES = "openid profile email";
export const OIDC_DEFAULT_USERNAME_CLAIM = "preferred_username";
export const OIDC_DEFAULT_GROUPS_CLAIM = "groups";
