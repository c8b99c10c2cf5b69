import { z } from "zod";
import { multiLine, singleLine, ZCheckbox, ZId } from "@/lib/validation/common";

/**
 * Registry endpoints (replication's remote registries), shared by the console form, the REST API
 * (Harbor's Registry / RegistryUpdate / RegistryPing, mapped onto these names) and the services.
 */

/** The adapters Wharf offers, as Harbor names them (`GET /replication/adapters`). */
export const REGISTRY_TYPES = ["docker-hub", "docker-registry", "harbor", "wharf"] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

export const REGISTRY_TYPE_LABELS: Record<RegistryType, string> = {
  "docker-hub": "Docker Hub",
  "docker-registry": "Docker Registry (Distribution, other OCI registries)",
  harbor: "Harbor",
  wharf: "Wharf",
};

/** Basic: a username and password (sent as Basic, or to the token realm the registry's challenge names). */
export const CREDENTIAL_TYPES = ["basic", "none"] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

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

const fields = {
  name: ZRegistryName,
  type: ZRegistryType,
  url: ZRegistryUrl,
  credentialType: ZCredentialType.default("none"),
  username: ZUsername.default(""),
  secret: ZSecret.optional(),
  insecure: ZCheckbox.default(false),
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
  })
  .superRefine(credentialsComplete((v) => !("registryId" in v && v.registryId !== undefined)));
export type TPingRegistry = z.output<typeof ZPingRegistry>;

/** A stored endpoint named by id (delete, Test connection of the stored settings). */
export const ZRegistryRef = z.object({ registryId: ZId });
