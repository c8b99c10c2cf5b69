import "server-only";
import { randomUUID } from "node:crypto";
import { sealSecret, unsealSecret, type SealContext } from "@/lib/crypto/sealed-secret";
import { db } from "@/lib/db/client";
import { ValidationError, type FieldErrors } from "@/lib/errors";
import { scanAdapterJob } from "@/lib/jobs/definitions";
import { RegistryClient } from "@/lib/registry/client";
import { harborVulnerabilityReport } from "@/lib/scan/adapter/harbor-report";
import {
  CYCLONEDX_JSON,
  DOCKER_MANIFEST_MIME,
  OCI_MANIFEST_MIME,
  SBOM_REPORT_MIME,
  SPDX_JSON,
  VULN_REPORT_HARBOR_MIME,
  VULN_REPORT_MIME,
  sameMime,
} from "@/lib/scan/adapter/mime";
import { ZScanRequest, type ScannerAdapterMetadata } from "@/lib/scan/adapter/spec-schemas";
import { inventorySbom } from "@/lib/scan/sbom";
import { queueRun } from "@/lib/services/jobs/queue-run";
import { findingsForArtifact } from "@/lib/services/scan/findings";
import { loadInventory } from "@/lib/services/scan/inventory-store";
import { scanArtifact } from "@/lib/services/scan/scan-artifact";
import { currentVulnDbVersion } from "@/lib/services/scan/vuln-db";

/**
 * Wharf's built-in scanner adapter, behind its Pluggable Scanner API (app/scanner/api/v1, HTTP in
 * lib/scan/adapter/http.ts). It is a scanner like any other to Wharf: it is told a registry URL
 * and an Authorization, pulls the image through them (Wharf's gateway, with a `scanner` token that
 * can pull that one repository), keeps the inventory per digest (scanArtifact) and answers reports
 * computed from Postgres at the time they are read, so a vulnerability DB import shows in the
 * next report without pulling anything again.
 *
 * Callers are authenticated by the HTTP layer (the built-in adapter key). A request's state is a
 * row of scan_adapter_requests; the work is the scan.adapter_scan job.
 */

export const BUILTIN_SCANNER_INFO = { name: "Wharf", vendor: "Wharf", version: "0.1.0" } as const;

/** Seconds a poller is asked to wait while a scan runs. */
export const REFRESH_AFTER_SECONDS = 1;

const sealContext = (id: string): SealContext => ({ purpose: "wharf scan request authorization v1", binding: `scan-request:${id}`, what: `the registry authorization of scan request ${id}` });

export async function builtinAdapterMetadata(): Promise<ScannerAdapterMetadata> {
  const dbVersion = await currentVulnDbVersion();
  const consumes = [OCI_MANIFEST_MIME, DOCKER_MANIFEST_MIME];
  return {
    scanner: { ...BUILTIN_SCANNER_INFO },
    capabilities: [
      { type: "vulnerability", consumes_mime_types: consumes, produces_mime_types: [VULN_REPORT_MIME, VULN_REPORT_HARBOR_MIME] },
      { type: "sbom", consumes_mime_types: consumes, produces_mime_types: [SBOM_REPORT_MIME], additional_attributes: { sbom_media_types: [CYCLONEDX_JSON] } },
    ],
    properties: {
      "harbor.scanner-adapter/scanner-type": "os-package-vulnerability",
      ...(dbVersion?.finishedAt ? { "harbor.scanner-adapter/vulnerability-database-updated-at": dbVersion.finishedAt.toISOString() } : {}),
      "env.wharf.vulnerability-database-version": dbVersion ? String(dbVersion.id) : "none",
      "env.wharf.vulnerability-database-advisories": String(dbVersion?.advisoryCount ?? 0),
    },
  };
}

/** A scan request the adapter cannot take: 400 (not a ScanRequest), 422 (a field), 501 (a capability). */
export class ScanRequestRefused extends ValidationError {
  constructor(
    readonly httpStatus: 400 | 422 | 501,
    message: string,
    fieldErrors?: FieldErrors,
  ) {
    super(message, fieldErrors);
  }
}

/** POST /scan: records the request and queues its run in one transaction; the id to poll. */
export async function acceptScanRequest(body: unknown): Promise<{ id: string }> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ScanRequestRefused(400, "The body is not a ScanRequest JSON object.");
  const parsed = ZScanRequest.safeParse(body);
  if (!parsed.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of parsed.error.issues) (fieldErrors[issue.path.map(String).join(".") || "body"] ??= []).push(issue.message);
    const text = Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ");
    // Wrong JSON types are Harbor's 400; a value out of its rules a 422.
    const wrongType = parsed.error.issues.some((i) => i.code === "invalid_type");
    throw new ScanRequestRefused(wrongType ? 400 : 422, text, fieldErrors);
  }
  const request = parsed.data;
  const mime = request.artifact.mime_type;
  if (mime && !sameMime(mime, OCI_MANIFEST_MIME) && !sameMime(mime, DOCKER_MANIFEST_MIME)) {
    throw new ScanRequestRefused(501, `This scanner reads image manifests (${OCI_MANIFEST_MIME}, ${DOCKER_MANIFEST_MIME}), not ${mime}.`);
  }
  for (const capability of request.enabled_capabilities ?? []) {
    const wanted = capability.parameters?.sbom_media_types ?? [];
    if (capability.type === "sbom" && wanted.length > 0 && !wanted.includes(CYCLONEDX_JSON)) {
      throw new ScanRequestRefused(501, `This scanner writes SBOMs as ${CYCLONEDX_JSON} only.`);
    }
  }
  const id = randomUUID();
  await db.$transaction(async (tx) => {
    await tx.scanAdapterRequest.create({
      data: {
        id,
        repository: request.artifact.repository,
        digest: request.artifact.digest,
        tag: request.artifact.tag ?? null,
        artifactMimeType: mime ?? null,
        registryUrl: request.registry.url.replace(/\/+$/, ""),
        authorizationSealed: request.registry.authorization ? sealSecret(request.registry.authorization, sealContext(id)) : null,
      },
      select: { id: true },
    });
    const { runId } = await queueRun(tx, scanAdapterJob, { requestId: id }, "scanner-adapter");
    await tx.scanAdapterRequest.update({ where: { id }, data: { runId }, select: { id: true } });
  });
  return { id };
}

/** The scan.adapter_scan run's work: pull through the request's registry, keep the inventory. */
export async function runScanRequest(requestId: string, log: (line: string) => void): Promise<{ packages: number }> {
  const row = await db.scanAdapterRequest.findUnique({ where: { id: requestId } });
  if (!row) throw new Error(`Scan request ${requestId} does not exist.`);
  await db.scanAdapterRequest.update({ where: { id: requestId }, data: { status: "running" }, select: { id: true } });
  try {
    const authorization = row.authorizationSealed ? unsealSecret(row.authorizationSealed, sealContext(row.id)) : null;
    const client = new RegistryClient({
      baseUrl: row.registryUrl,
      auth: authorization ? { kind: "authorization", header: authorization } : { kind: "none" },
      label: `registry ${row.registryUrl}`,
      timeoutMs: 60_000,
    });
    log(`Scanning ${row.repository}@${row.digest} from ${row.registryUrl}.`);
    const findings = await scanArtifact({ repository: row.repository, digest: row.digest, client });
    const inventory = await db.scanInventory.findUnique({ where: { artifactDigest: row.digest }, select: { _count: { select: { packages: true } } } });
    const packages = inventory?._count.packages ?? 0;
    log(`${packages} packages, ${findings.length} vulnerabilities.`);
    await db.scanAdapterRequest.update({ where: { id: requestId }, data: { status: "succeeded", finishedAt: new Date(), authorizationSealed: null }, select: { id: true } });
    return { packages };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`Scan failed: ${message}`);
    await db.scanAdapterRequest.update({
      where: { id: requestId },
      data: { status: "failed", error: message.slice(0, 4000), finishedAt: new Date(), authorizationSealed: null },
      select: { id: true },
    });
    throw error;
  }
}

export type AdapterReportAnswer =
  | { kind: "not_found" }
  | { kind: "pending" }
  | { kind: "failed"; message: string }
  | { kind: "bad_request"; message: string }
  | { kind: "unsupported"; message: string }
  | { kind: "report"; mimeType: string; body: unknown };

const REPORT_MIMES = [VULN_REPORT_MIME, VULN_REPORT_HARBOR_MIME, SBOM_REPORT_MIME];

/** The first report type of an Accept header this adapter produces; the v1.1 report when none is named. */
function chooseMime(accept: string | null): string | null {
  if (!accept || accept.trim() === "" || accept.trim() === "*/*") return VULN_REPORT_MIME;
  // Media types with parameters: split on commas that start a new type.
  for (const candidate of accept.split(/,(?=\s*[\w.+-]+\/)/)) {
    const found = REPORT_MIMES.find((m) => sameMime(m, candidate));
    if (found) return found;
  }
  return null;
}

/** GET /scan/{id}/report with `accept` and `sbom_media_type`. */
export async function adapterReport(requestId: string, accept: string | null, sbomMediaType: string | null): Promise<AdapterReportAnswer> {
  if (!/^[0-9a-f-]{36}$/i.test(requestId)) return { kind: "not_found" };
  const row = await db.scanAdapterRequest.findUnique({ where: { id: requestId.toLowerCase() } });
  if (!row) return { kind: "not_found" };
  const mimeType = chooseMime(accept);
  if (!mimeType) return { kind: "unsupported", message: `This scanner produces ${REPORT_MIMES.join(", ")}; not ${accept?.slice(0, 200)}.` };
  if (sameMime(mimeType, SBOM_REPORT_MIME)) {
    if (!sbomMediaType) return { kind: "bad_request", message: `An SBOM report needs ?sbom_media_type=${CYCLONEDX_JSON}.` };
    if (sbomMediaType !== CYCLONEDX_JSON && sbomMediaType !== SPDX_JSON) return { kind: "bad_request", message: `sbom_media_type must be ${CYCLONEDX_JSON} or ${SPDX_JSON}.` };
    if (sbomMediaType !== CYCLONEDX_JSON) return { kind: "unsupported", message: `This scanner writes SBOMs as ${CYCLONEDX_JSON} only.` };
  }
  if (row.status === "queued" || row.status === "running") return { kind: "pending" };
  if (row.status === "failed") return { kind: "failed", message: row.error ?? "The scan failed." };
  const artifact = { repository: row.repository, digest: row.digest, ...(row.tag ? { tag: row.tag } : {}), ...(row.artifactMimeType ? { mime_type: row.artifactMimeType } : {}) };
  const generatedAt = new Date();
  if (sameMime(mimeType, SBOM_REPORT_MIME)) {
    const inventory = await loadInventory(row.digest);
    if (!inventory) return { kind: "failed", message: `No inventory of ${row.digest} is stored any more; scan it again.` };
    const sbom = JSON.parse(inventorySbom({ repository: row.repository, digest: row.digest }, inventory, generatedAt)) as Record<string, unknown>;
    return {
      kind: "report",
      mimeType,
      body: { generated_at: generatedAt.toISOString(), artifact, scanner: { ...BUILTIN_SCANNER_INFO }, media_type: CYCLONEDX_JSON, sbom },
    };
  }
  const findings = await findingsForArtifact(row.digest);
  if (!findings) return { kind: "failed", message: `No inventory of ${row.digest} is stored any more; scan it again.` };
  return { kind: "report", mimeType, body: harborVulnerabilityReport({ findings, artifact, scanner: { ...BUILTIN_SCANNER_INFO }, generatedAt }) };
}
