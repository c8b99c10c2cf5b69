import { X509Certificate } from "node:crypto";
import { z } from "zod";
import { multiLine, singleLine, ZCheckbox, ZId } from "@/lib/validation/common";
import { CREDENTIAL_TYPES, type CredentialType, REGISTRY_TYPES } from "@/lib/validation/registry-types";

/**
 * Registry endpoints (replication's remote registries), shared by the console form, the REST API
 * (Harbor's Registry / RegistryUpdate / RegistryPing, mapped onto these names) and the services.
 */

export { CREDENTIAL_TYPES, type CredentialType, REGISTRY_TYPE_LABELS, REGISTRY_TYPES, type RegistryType } from "@/lib/validation/registry-types";

export const ZRegistryName = singleLine(
  z
    .string({ error: "Name is required" })
    .trim()
    .min(1, "Name is required")
    .max(255, "Name must be at most 255 characters"),
);

/**
 * An http(s) URL without credentials, query or fragment; a trailing slash is dropped, so the same
 * registry is always written the same way.
 */
export const ZRegistryUrl = z
  .string({ error: "URL is required" })
  .trim()
  .min(1, "URL is required")
  .max(1024, "URL must be at most 1024 characters")
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a URL such as https://registry.example.com" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "Must start with http:// or https://" });
    else if (url.username || url.password) ctx.addIssue({ code: "custom", message: "Put the credentials in their own fields, not in the URL" });
    else if (url.search || url.hash) ctx.addIssue({ code: "custom", message: "Must not have a query or fragment" });
  })
  .transform((value) => value.replace(/\/+$/, ""));

export const ZRegistryType = z.enum(REGISTRY_TYPES, { error: `Must be one of ${REGISTRY_TYPES.join(", ")}` });
export const ZCredentialType = z.enum(CREDENTIAL_TYPES, { error: `Must be one of ${CREDENTIAL_TYPES.join(", ")}` });
const ZUsername = singleLine(z.string().trim().max(255, "Username must be at most 255 characters"));
/** Not trimmed: a password may begin or end with a space. Empty means "not sent". */
const ZSecret = z.string().max(4096, "Password must be at most 4096 characters");
const ZDescription = multiLine(z.string().max(1024, "Description must be at most 1024 characters"));

/** A few CA certificates (a root and intermediates are ~2 KB each); more is not a CA bundle. */
export const MAX_CA_CERTIFICATE_CHARS = 65_536;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The CA certificates to trust for an endpoint's TLS instead of the system's: PEM text of one or
 * more certificates, each checked by parsing it as X.509; nothing but certificates (a private key
 * pasted by mistake is refused, not stored). Empty or absent is none (null); stored normalised,
 * the blocks one after another.
 */
export function caCertificateProblem(value: string | null | undefined): string | null {
  const text = (value ?? "").replace(/\r\n?/g, "\n").trim();
  if (!text) return null;
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return "Must be one or more PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)";
  if (text.replace(PEM_BLOCK, "").trim()) return "Only certificates may be given: remove the text outside the BEGIN/END CERTIFICATE blocks (never a private key)";
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `${blocks.length === 1 ? "The certificate" : `Certificate ${index + 1} of ${blocks.length}`} is not a valid PEM X.509 certificate`;
    }
  }
  return null;
}

export const ZCaCertificate = z
  .string({ error: "Must be PEM text" })
  .max(MAX_CA_CERTIFICATE_CHARS, `CA certificate must be at most ${MAX_CA_CERTIFICATE_CHARS} characters`)
  .nullish()
  .transform((value, ctx): string | null => {
    const problem = caCertificateProblem(value);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    const text = (value ?? "").replace(/\r\n?/g, "\n").trim();
    return text ? `${(text.match(PEM_BLOCK) ?? []).join("\n")}\n` : null;
  });

const fields = {
  name: ZRegistryName,
  type: ZRegistryType,
  url: ZRegistryUrl,
  credentialType: ZCredentialType.default("none"),
  username: ZUsername.default(""),
  secret: ZSecret.optional(),
  insecure: ZCheckbox.default(false),
  caCertificate: ZCaCertificate,
  description: ZDescription.default(""),
};

/** Basic needs a username; on create (or when switching to Basic) a password too. */
function credentialsComplete(requireSecret: (v: { secret?: string }) => boolean) {
  return (v: { credentialType: CredentialType; username: string; secret?: string }, ctx: z.RefinementCtx) => {
    if (v.credentialType !== "basic") return;
    if (!v.username) ctx.addIssue({ code: "custom", path: ["username"], message: "Username is required for Basic credentials" });
    if (requireSecret(v) && !v.secret) ctx.addIssue({ code: "custom", path: ["secret"], message: "Password is required for Basic credentials" });
  };
}

export const ZCreateRegistry = z.object(fields).superRefine(credentialsComplete(() => true));
export type TCreateRegistry = z.output<typeof ZCreateRegistry>;

/** Every field as on create; an absent or empty `secret` keeps the stored one. */
export const ZUpdateRegistry = z.object({ registryId: ZId, ...fields }).superRefine(credentialsComplete(() => false));
export type TUpdateRegistry = z.output<typeof ZUpdateRegistry>;

/** Test connection of settings not (yet) saved; with `registryId`, an absent secret is the stored one. */
export const ZPingRegistry = z
  .object({
    registryId: ZId.optional(),
    type: ZRegistryType,
    url: ZRegistryUrl,
    credentialType: ZCredentialType.default("none"),
    username: ZUsername.default(""),
    secret: ZSecret.optional(),
    insecure: ZCheckbox.default(false),
    caCertificate: ZCaCertificate,
  })
  .superRefine(credentialsComplete((v) => !("registryId" in v && v.registryId !== undefined)));
export type TPingRegistry = z.output<typeof ZPingRegistry>;

/** A stored endpoint named by id (delete, Test connection of the stored settings). */
export const ZRegistryRef = z.object({ registryId: ZId });
