import { z } from "zod";
import { singleLine, ZCheckbox } from "@/lib/validation/common";
import { OIDC_DEFAULT_GROUPS_CLAIM, OIDC_DEFAULT_SCOPES, OIDC_DEFAULT_USERNAME_CLAIM } from "@/lib/validation/oidc-types";

/**
 * OIDC single sign-on settings (issue 18 item 1): one schema per input, shared by the console form,
 * its server actions and the services.
 */

export { OIDC_DEFAULT_GROUPS_CLAIM, OIDC_DEFAULT_SCOPES, OIDC_DEFAULT_USERNAME_CLAIM } from "@/lib/validation/oidc-types";

/**
 * The issuer: an http(s) URL without credentials, query or fragment, a trailing slash dropped.
 * Discovery reads `<issuer>/.well-known/openid-configuration`. Plain http is allowed for an
 * identity provider on a private network or loopback (and the tests); https is what production uses.
 */
export const ZOidcIssuer = z
  .string({ error: "Issuer URL is required" })
  .trim()
  .min(1, "Issuer URL is required")
  .max(1024, "Issuer URL must be at most 1024 characters")
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a URL such as https://login.example.com/realms/main" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "Must start with http:// or https://" });
    else if (url.username || url.password) ctx.addIssue({ code: "custom", message: "Must not contain credentials" });
    else if (url.search || url.hash) ctx.addIssue({ code: "custom", message: "Must not have a query or fragment" });
  })
  .transform((value) => value.replace(/\/+$/, ""));

/** A claim name as it appears in an ID token or userinfo answer: no spaces, no control characters. */
const claimName = (label: string) =>
  z
    .string()
    .trim()
    .max(255, `${label} must be at most 255 characters`)
    .regex(/^[^\s\u0000-\u001f\u007f]*$/, `${label} must be one claim name, without spaces`);

export const ZOidcSettings = z.object({
  /** The sign-in button's label: "Sign in with <providerName>". */
  providerName: singleLine(z.string({ error: "Provider name is required" }).trim().min(1, "Provider name is required").max(64, "Provider name must be at most 64 characters")),
  issuer: ZOidcIssuer,
  clientId: singleLine(z.string({ error: "Client id is required" }).trim().min(1, "Client id is required").max(255, "Client id must be at most 255 characters")),
  /** Not trimmed (a secret may hold any character). Empty: keep the stored one (required when none is stored). */
  clientSecret: z
    .string()
    .max(1024, "Client secret must be at most 1024 characters")
    .optional()
    .transform((v) => (v === undefined || v === "" ? null : v)),
  scopes: singleLine(z.string().trim().max(512, "Scopes must be at most 512 characters"))
    .optional()
    .transform((v) => (v ? v.split(/\s+/).filter(Boolean).join(" ") : OIDC_DEFAULT_SCOPES))
    .refine((v) => v.split(" ").includes("openid"), "Scopes must include openid"),
  /** The claim whose value is the Wharf username. No fallback to another claim: a missing one refuses the sign-in. */
  usernameClaim: claimName("Username claim")
    .optional()
    .transform((v) => v || OIDC_DEFAULT_USERNAME_CLAIM),
  /** The claim listing the user's groups (absent: "groups"); empty: groups are not read. */
  groupsClaim: claimName("Groups claim")
    .optional()
    .transform((v) => (v === undefined ? OIDC_DEFAULT_GROUPS_CLAIM : v)),
  /** Members of this group (a value of the groups claim) are Wharf administrators; empty: none (the Wharf flag stands). */
  adminGroup: singleLine(z.string().trim().max(1024, "Admin group must be at most 1024 characters"))
    .optional()
    .transform((v) => (v ? v : null)),
  autoOnboard: ZCheckbox,
  verifyCertificate: ZCheckbox,
}).refine((v) => v.adminGroup === null || v.groupsClaim !== "", { path: ["adminGroup"], message: "An admin group needs a groups claim to read it from" });
export type TOidcSettings = z.output<typeof ZOidcSettings>;

/** Test connection: the form's issuer and certificate switch as they are now, saved or not. */
export const ZOidcTestConnection = z.object({
  issuer: ZOidcIssuer,
  verifyCertificate: ZCheckbox,
});
export type TOidcTestConnection = z.output<typeof ZOidcTestConnection>;
