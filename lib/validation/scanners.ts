import { z } from "zod";
import { multiLine, singleLine, ZCheckbox, ZId } from "@/lib/validation/common";
import { ZRegistryUrl } from "@/lib/validation/registries";
import { SCANNER_AUTH_TYPES, type ScannerAuthType } from "@/lib/validation/scanner-types";

/**
 * Scanner registrations (Harbor's ScannerRegistrationReq, mapped onto these names) and a
 * project's scanner choice, shared by the console, the REST API and the services.
 */

export { SCANNER_AUTH_LABELS, SCANNER_AUTH_TYPES, type ScannerAuthType } from "@/lib/validation/scanner-types";

export const ZScannerName = singleLine(
  z.string({ error: "Name is required" }).trim().min(1, "Name is required").max(255, "Name must be at most 255 characters"),
);

/** Harbor's REST also says "APIKey" for the header. */
export const ZScannerAuth = z.preprocess(
  (v) => (v === "APIKey" ? "X-ScannerAdapter-API-Key" : v === undefined || v === null || v === "None" ? "" : v),
  z.enum(SCANNER_AUTH_TYPES, { error: `Must be one of: none, ${SCANNER_AUTH_TYPES.filter(Boolean).join(", ")}` }),
);

/** Not trimmed; empty means "not sent" (on update: keep the stored one). */
const ZAccessCredential = singleLine(z.string().max(4096, "Credential must be at most 4096 characters"));
const ZDescription = multiLine(z.string().max(1024, "Description must be at most 1024 characters"));

const fields = {
  name: ZScannerName,
  description: ZDescription.default(""),
  url: ZRegistryUrl,
  auth: ZScannerAuth.default(""),
  accessCredential: ZAccessCredential.optional(),
  skipCertVerify: ZCheckbox.default(false),
  disabled: ZCheckbox.default(false),
};

/** A credential for any auth but none; Basic's is `username:password`. */
function credentialComplete(requireCredential: (v: { accessCredential?: string }) => boolean) {
  return (v: { auth: ScannerAuthType; accessCredential?: string }, ctx: z.RefinementCtx) => {
    if (v.auth === "") return;
    if (!v.accessCredential) {
      if (requireCredential(v)) ctx.addIssue({ code: "custom", path: ["accessCredential"], message: `A credential is required for ${v.auth} authorization` });
      return;
    }
    if (v.auth === "Basic" && !v.accessCredential.includes(":")) {
      ctx.addIssue({ code: "custom", path: ["accessCredential"], message: "Basic credentials are written username:password" });
    }
  };
}

export const ZCreateScanner = z.object(fields).superRefine(credentialComplete(() => true));
export type TCreateScanner = z.output<typeof ZCreateScanner>;

/** Every field as on create; an absent or empty credential keeps the stored one (for the same auth). */
export const ZUpdateScanner = z.object({ scannerId: ZId, ...fields }).superRefine(credentialComplete(() => false));
export type TUpdateScanner = z.output<typeof ZUpdateScanner>;

/** Ping settings not (yet) saved; with `scannerId`, an absent credential is the stored one. */
export const ZPingScanner = z
  .object({
    scannerId: ZId.optional(),
    url: ZRegistryUrl,
    auth: ZScannerAuth.default(""),
    accessCredential: ZAccessCredential.optional(),
    skipCertVerify: ZCheckbox.default(false),
  })
  .superRefine(credentialComplete((v) => !("scannerId" in v && v.scannerId !== undefined)));
export type TPingScanner = z.output<typeof ZPingScanner>;

/** A stored registration named by id (delete, set default, ping as stored). */
export const ZScannerRef = z.object({ scannerId: ZId });

/** A project's scanner choice (Harbor's PUT /projects/{p}/scanner). */
export const ZSetProjectScanner = z.object({ scannerId: ZId });
export type TSetProjectScanner = z.output<typeof ZSetProjectScanner>;

/** The same choice as Harbor's REST body spells it: `{ "uuid": "<registration id>" }`. */
export const ZSetProjectScannerByUuid = z.object({
  uuid: z.string({ error: "Must be a scanner registration id" }).trim().toLowerCase().uuid("Must be a scanner registration id"),
});

/** The console's Enable / Disable of a listed registration (a hidden "true"/"false"). */
export const ZSetScannerDisabled = z.object({ scannerId: ZId, disabled: ZCheckbox });

/** The project's Configuration → Scanner form: a scanner id, or "" for the system default. */
export const ZChooseProjectScanner = z.object({
  projectId: ZId,
  scannerId: z.union([z.literal("").transform(() => null), ZId], { error: "Choose a scanner or the system default" }),
});
