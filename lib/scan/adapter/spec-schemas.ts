/**
 * The Pluggable Scanner API's JSON shapes as zod schemas (spec v1.1/v1.2, components/schemas):
 * what Wharf's built-in adapter accepts (ScanRequest) and what Wharf's client accepts from any
 * adapter (metadata, scan response, report). An answer that does not parse is the adapter's
 * fault, reported as such, never trusted.
 */
import { z } from "zod";
import { singleLine } from "@/lib/validation/common";

const text = (max: number) => z.string().max(max);

export const ZScannerInfo = z.object({
  name: text(255).optional(),
  vendor: text(255).optional(),
  version: text(255).optional(),
});
export type ScannerInfo = z.infer<typeof ZScannerInfo>;

export const ZScannerCapability = z.object({
  type: z.enum(["vulnerability", "sbom"]).optional(),
  consumes_mime_types: z.array(text(255)).max(64),
  produces_mime_types: z.array(text(255)).max(64),
  additional_attributes: z.record(z.string(), z.unknown()).optional(),
});
export type ScannerCapability = z.infer<typeof ZScannerCapability>;

export const ZScannerAdapterMetadata = z.object({
  scanner: ZScannerInfo,
  capabilities: z.array(ZScannerCapability).max(64),
  properties: z.record(z.string(), z.string().max(4096)).optional(),
});
export type ScannerAdapterMetadata = z.infer<typeof ZScannerAdapterMetadata>;

const ZDigest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "must be a digest such as sha256:<hex>").max(255);
/** Distribution's repository name grammar (lowercase path components). */
const ZRepository = z
  .string()
  .min(1, "is required")
  .max(255, "must be at most 255 characters")
  .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, "must be a repository name such as library/app");

export const ZScanRequest = z.object({
  registry: z.object({
    url: singleLine(z.string({ error: "is required" }))
      .max(1024)
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
        } catch {
          return false;
        }
      }, "must be an http(s) URL of the registry, without credentials"),
    authorization: singleLine(z.string().max(16_384)).optional(),
  }),
  artifact: z.object({
    repository: ZRepository,
    digest: ZDigest,
    tag: singleLine(z.string().max(255)).optional(),
    mime_type: singleLine(z.string().max(255)).optional(),
  }),
  enabled_capabilities: z
    .array(
      z.object({
        type: z.enum(["vulnerability", "sbom"]),
        produces_mime_types: z.array(text(255)).max(16).optional(),
        parameters: z.object({ sbom_media_types: z.array(text(255)).max(8).optional() }).nullable().optional(),
      }),
    )
    .max(8)
    .optional(),
});
export type ScanRequest = z.infer<typeof ZScanRequest>;

export const ZScanResponse = z.object({ id: z.string().min(1).max(255) });

export const SEVERITIES = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ZVulnerabilityItem = z.object({
  id: text(255),
  package: text(1024).optional(),
  version: text(1024).optional(),
  fix_version: text(1024).optional(),
  severity: z.string().max(32).optional(),
  description: z.string().max(100_000).optional(),
  links: z.array(z.string().max(4096)).max(256).optional(),
  preferred_cvss: z
    .object({
      score_v3: z.number().nullable().optional(),
      score_v2: z.number().nullable().optional(),
      vector_v3: z.string().max(255).nullable().optional(),
      vector_v2: z.string().max(255).nullable().optional(),
    })
    .nullable()
    .optional(),
  cwe_ids: z.array(z.string().max(64)).max(64).nullable().optional(),
  vendor_attributes: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const ZHarborVulnerabilityReport = z.object({
  generated_at: z.string().max(64).optional(),
  artifact: z.record(z.string(), z.unknown()).optional(),
  scanner: ZScannerInfo.optional(),
  severity: z.string().max(32).optional(),
  vulnerabilities: z.array(ZVulnerabilityItem).max(1_000_000).nullable().optional(),
});
export type HarborVulnerabilityReport = z.infer<typeof ZHarborVulnerabilityReport>;

export const ZHarborSbomReport = z.object({
  generated_at: z.string().max(64).optional(),
  artifact: z.record(z.string(), z.unknown()).optional(),
  scanner: ZScannerInfo.optional(),
  vendor_attributes: z.record(z.string(), z.unknown()).optional(),
  media_type: z.string().max(255).optional(),
  sbom: z.record(z.string(), z.unknown()),
});

/** zod issues as one line: `artifact.digest: must be a digest…; registry.url: …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.map(String).join(".") || "body"}: ${issue.message}`)
    .join("; ");
}
