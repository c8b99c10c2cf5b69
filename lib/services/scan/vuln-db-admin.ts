import "server-only";
import { rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { AppError, type FieldErrors, NotFoundError, ValidationError } from "@/lib/errors";
import type { JobRunStatus } from "@/lib/generated/prisma/client";
import { vulnDbImportJob } from "@/lib/jobs/definitions";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { type Page, skipTake } from "@/lib/services/pagination";
import { queueVulnDbImport } from "@/lib/services/scan/queue-vuln-import";
import { downloadOsvZip } from "@/lib/services/scan/vuln-db-admin-fetch";
import { assertOsvZip, MAX_IMPORT_ZIP_BYTES, receiveZip, type ReceivedZip, sweepImportFiles, ZipTooLargeError } from "@/lib/services/scan/vuln-db-admin-files";
import { CONTROL_CHARACTERS } from "@/lib/validation/common";

/**
 * The vulnerability DB as administrators manage it and auditors read it: start an OSV import from
 * an uploaded zip (the console's form and the scripted REST upload) or from a URL (connected
 * installs), and read the DB in use and the import history with each run's progress. The import
 * itself is the `scan.vuln_db_import` job (lib/services/scan/vuln-db.ts does the writing).
 *
 * One `vulnerability_db.import` audit row per start, in the transaction that queues the run; a
 * refused start (permission, not a zip, too large, URL unreachable) is one failure row with the
 * reason, and nothing is queued.
 */

export type VulnDbImportStatus = "queued" | "running" | "succeeded" | "failed";

export type VulnDbImportView = {
  id: number;
  /** What was imported: the uploaded file's name, or the URL (without its query). */
  source: string;
  status: VulnDbImportStatus;
  /** Who started it (the run's trigger), when known. */
  startedBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  /** Records read so far (the run's progress), or all of them once finished. */
  recordsRead: number;
  recordsAdded: number;
  recordsChanged: number;
  recordsUnchanged: number;
  recordsMalformed: number;
  /** Advisories in the DB after this import (0 until it ends). */
  advisoryCount: number;
  /** The failure, or a one-line summary once finished. */
  message: string | null;
  runId: number | null;
};

export type VulnDbImportDetail = VulnDbImportView & {
  /** The first malformed records (file and reason), bounded. */
  malformed: string[];
  /** The run's log tail. */
  log: string;
};

export type VulnDbEcosystemCount = { ecosystem: string; advisories: number; packages: number };

export type VulnDbStatus = {
  /** The DB in use: the latest succeeded import (its id is the DB version), or null before any. */
  current: { version: number; importId: number; updatedAt: Date; source: string } | null;
  advisoryCount: number;
  /** Distinct (ecosystem, package name) pairs some advisory affects. */
  packageCount: number;
  ecosystems: VulnDbEcosystemCount[];
  /** An import waiting or running now. */
  activeImportId: number | null;
};

const RESOURCE_TYPE = "vulnerability_db";
const ACTION = "vulnerability_db.import" as const;

// ---- starting an import -------------------------------------------------------------------------

/** A file name as shown in the history: its last path segment, printable, at most 200 characters. */
function cleanFileName(name: string | null | undefined): string {
  const base = path.basename((name ?? "").replace(/\\/g, "/")).trim();
  if (!base || CONTROL_CHARACTERS.test(base)) return "upload.zip";
  return base.slice(0, 200);
}

/** What the history and the audit row say of a URL: no credentials, no query (signed URLs carry secrets there). */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return parsed.search ? `${shown}?…` : shown;
}

export const ZVulnDbUrlImport = z.object({
  url: z
    .string({ error: "URL is required" })
    .trim()
    .min(1, "URL is required")
    .max(2048, "URL must be at most 2048 characters")
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "Enter a full URL, such as https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip" });
        return;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: "The URL must start with http:// or https://" });
      else if (url.username || url.password) ctx.addIssue({ code: "custom", message: "The URL must not hold a username or password" });
      else if (CONTROL_CHARACTERS.test(value)) ctx.addIssue({ code: "custom", message: "The URL must not hold control characters" });
    }),
});
export type TVulnDbUrlImport = z.infer<typeof ZVulnDbUrlImport>;

function parseUrlInput(input: unknown): TVulnDbUrlImport {
  const parsed = ZVulnDbUrlImport.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) (fieldErrors[issue.path.map(String).join(".") || "_"] ??= []).push(issue.message);
  throw new ValidationError(
    Object.entries(fieldErrors)
      .map(([k, v]) => `${k}: ${v.join(", ")}`)
      .join("; "),
    fieldErrors,
  );
}

/** application/zip, and what some browsers send for a .zip file. */
function isZipMediaType(value: string | null): boolean {
  const type = (value ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/zip" || type === "application/x-zip-compressed";
}

/** Errors of the local disk are Wharf's own failure (a 500), not the client's. */
const LOCAL_FAILURES = new Set(["ENOSPC", "EACCES", "EPERM", "EROFS", "EMFILE", "ENFILE", "EDQUOT"]);

async function refuse(actor: Actor, error: unknown, detail: Record<string, unknown>): Promise<never> {
  const reason = error instanceof Error ? error.message : String(error);
  await recordRefusal({ actor, action: ACTION, resource: { type: RESOURCE_TYPE, name: String(detail.file ?? detail.url ?? "") }, reason, detail });
  throw error;
}

async function sweepQuietly(): Promise<void> {
  try {
    await sweepImportFiles();
  } catch (error) {
    console.warn("wharf: could not remove old vulnerability DB import files", error);
  }
}

/** The import row, its run and the audit row, in one transaction; the file goes if that fails. */
async function queueImport(actor: Actor, received: ReceivedZip, label: string, detail: Record<string, unknown>): Promise<{ importId: number; runId: number }> {
  try {
    return await db.$transaction(async (tx) => {
      const queued = await queueVulnDbImport(tx, { kind: "zip", path: received.file, label }, actorName(actor));
      await recordAuditEvent(tx, {
        actor,
        action: ACTION,
        resource: { type: RESOURCE_TYPE, id: queued.importId, name: label },
        detail: { ...detail, bytes: received.bytes, sha256: received.sha256, runId: queued.runId },
      });
      return queued;
    });
  } catch (error) {
    await rm(received.file, { force: true });
    throw error;
  }
}

/**
 * An import from an uploaded OSV zip (osv.dev's all.zip, or any zip of OSV JSON records). The body
 * is streamed to a file (at most `maxBytes`); an empty body, one that is not a zip or a zip with no
 * record is refused with 400, a larger one with 413, and nothing is queued.
 */
export async function startVulnDbUpload({
  actor,
  body,
  fileName,
  mediaType,
  declaredBytes = null,
  maxBytes = MAX_IMPORT_ZIP_BYTES,
}: {
  actor: Actor;
  body: AsyncIterable<Uint8Array> | null;
  fileName?: string | null;
  /** The body's declared media type, when it came over HTTP: it must be a zip's. */
  mediaType?: string | null;
  /** The declared length (Content-Length), refused at once when over the limit. */
  declaredBytes?: number | null;
  maxBytes?: number;
}): Promise<{ importId: number; runId: number }> {
  const file = cleanFileName(fileName);
  await assertSystemPermission(actor, "vulnerability_db.import", { type: RESOURCE_TYPE, name: file }, ACTION);
  const detail = { source: "upload", file };
  if (mediaType !== undefined && !isZipMediaType(mediaType)) {
    return refuse(actor, new AppError("Send the OSV zip itself as the request body, with Content-Type: application/zip.", 415, "UNSUPPORTED_MEDIA_TYPE"), detail);
  }
  if (declaredBytes !== null && declaredBytes > maxBytes) return refuse(actor, new ZipTooLargeError(maxBytes), detail);
  if (!body) return refuse(actor, new ValidationError("The request body is empty: send an OSV zip (such as osv.dev's all.zip)."), detail);
  await sweepQuietly();
  let received: ReceivedZip;
  try {
    received = await receiveZip(body, maxBytes);
  } catch (error) {
    if (error instanceof AppError) return refuse(actor, error, detail);
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && LOCAL_FAILURES.has(code)) throw error;
    // The client went away or the front cut a body that stopped arriving.
    return refuse(actor, new ValidationError("The upload was not received completely; nothing was imported."), detail);
  }
  try {
    await assertOsvZip(received, "The upload");
  } catch (error) {
    await rm(received.file, { force: true });
    return refuse(actor, error, { ...detail, bytes: received.bytes });
  }
  return queueImport(actor, received, file, detail);
}

export class VulnDbDownloadError extends AppError {
  constructor(
    message: string,
    readonly importId: number,
  ) {
    super(message, 400, "BAD_REQUEST");
  }
}

/**
 * An import from a URL (osv.dev's per-ecosystem all.zip, or a mirror). The URL must be http(s)
 * without credentials; the file is downloaded, streamed to disk with the same size cap, before the
 * run is queued. An unreachable URL or a file that is not an OSV zip leaves a failed import in the
 * history with the cause as its message (one failure audit row), and throws that message.
 */
export async function startVulnDbUrlImport({
  actor,
  input,
  maxBytes = MAX_IMPORT_ZIP_BYTES,
}: {
  actor: Actor;
  input: unknown;
  maxBytes?: number;
}): Promise<{ importId: number; runId: number }> {
  await assertSystemPermission(actor, "vulnerability_db.import", { type: RESOURCE_TYPE, name: "URL import" }, ACTION);
  let url: string;
  try {
    url = parseUrlInput(input).url;
  } catch (error) {
    return refuse(actor, error, { source: "url" });
  }
  const shown = displayUrl(url);
  const detail = { source: "url", url: shown };
  await sweepQuietly();
  const outcome = await downloadOsvZip(url, { maxBytes });
  let message: string | null = outcome.ok ? null : outcome.message;
  if (outcome.ok) {
    try {
      await assertOsvZip(outcome.received, `The file at ${new URL(url).host}`);
    } catch (error) {
      await rm(outcome.received.file, { force: true });
      message = error instanceof Error ? error.message : String(error);
    }
  }
  if (outcome.ok && message === null) return queueImport(actor, outcome.received, shown, detail);
  const failure = message ?? "The download failed.";
  const importId = await db.$transaction(async (tx) => {
    const row = await tx.vulnDbImport.create({
      data: { source: shown.slice(0, 1024), status: "failed", error: failure, finishedAt: new Date(), advisoryCount: await tx.vulnAdvisory.count() },
      select: { id: true },
    });
    await recordAuditEvent(tx, { actor, action: ACTION, resource: { type: RESOURCE_TYPE, id: row.id, name: shown }, result: "failure", reason: failure, detail });
    return row.id;
  });
  throw new VulnDbDownloadError(failure, importId);
}

// ---- reading --------------------------------------------------------------------------------------

type ImportRow = {
  id: number;
  source: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  recordsSeen: number;
  recordsAdded: number;
  recordsChanged: number;
  recordsUnchanged: number;
  recordsMalformed: number;
  malformed: string[];
  advisoryCount: number;
  error: string | null;
};

type RunRow = { id: number; import_id: number; status: JobRunStatus; trigger: string; progress_done: number; error: string | null; log: string };

async function runsOf(importIds: number[]): Promise<Map<number, RunRow>> {
  if (!importIds.length) return new Map();
  // The latest run of each import (one per import; a retry reuses its row).
  const rows = await db.$queryRaw<RunRow[]>`
    SELECT DISTINCT ON ((payload->>'importId')::int) id, (payload->>'importId')::int AS import_id, status, trigger, progress_done, error, log
    FROM job_runs
    WHERE job_name = ${vulnDbImportJob.id} AND (payload->>'importId')::int = ANY(${importIds})
    ORDER BY (payload->>'importId')::int, id DESC`;
  return new Map(rows.map((r) => [r.import_id, r]));
}

function statusOf(row: ImportRow, run: RunRow | undefined): VulnDbImportStatus {
  if (row.status === "succeeded" || row.status === "failed") return row.status;
  if (!run) return "running";
  // The row says running until the handler ends; the run knows whether it waits or gave up.
  return run.status;
}

function summaryOf(row: ImportRow): string {
  return `${row.recordsSeen} records: ${row.recordsAdded} added, ${row.recordsChanged} changed, ${row.recordsUnchanged} unchanged, ${row.recordsMalformed} malformed.`;
}

function toView(row: ImportRow, run: RunRow | undefined): VulnDbImportView {
  const status = statusOf(row, run);
  const finished = row.status === "succeeded" || row.status === "failed";
  return {
    id: row.id,
    source: row.source,
    status,
    startedBy: run?.trigger ?? null,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    recordsRead: finished ? row.recordsSeen : (run?.progress_done ?? 0),
    recordsAdded: row.recordsAdded,
    recordsChanged: row.recordsChanged,
    recordsUnchanged: row.recordsUnchanged,
    recordsMalformed: row.recordsMalformed,
    advisoryCount: row.advisoryCount,
    message: row.status === "failed" ? row.error : row.status === "succeeded" ? summaryOf(row) : status === "failed" ? (run?.error ?? "The import run failed.") : null,
    runId: run?.id ?? null,
  };
}

const IMPORT_SELECT = {
  id: true,
  source: true,
  status: true,
  startedAt: true,
  finishedAt: true,
  recordsSeen: true,
  recordsAdded: true,
  recordsChanged: true,
  recordsUnchanged: true,
  recordsMalformed: true,
  malformed: true,
  advisoryCount: true,
  error: true,
} as const;

/** The import history, newest first, each with its run's status and progress. */
export async function listVulnDbImports({ actor, page, pageSize }: { actor: Actor; page: number; pageSize: number }): Promise<Page<VulnDbImportView>> {
  await assertSystemPermission(actor, "vulnerability_db.read", { type: RESOURCE_TYPE });
  const [rows, total] = await db.$transaction([
    db.vulnDbImport.findMany({ select: IMPORT_SELECT, orderBy: { id: "desc" }, ...skipTake(page, pageSize) }),
    db.vulnDbImport.count(),
  ]);
  const runs = await runsOf(rows.map((r) => r.id));
  return { rows: rows.map((r) => toView(r, runs.get(r.id))), total, page, pageSize };
}

export async function getVulnDbImport({ actor, importId }: { actor: Actor; importId: number }): Promise<VulnDbImportDetail> {
  await assertSystemPermission(actor, "vulnerability_db.read", { type: RESOURCE_TYPE, id: importId });
  const row = await db.vulnDbImport.findUnique({ where: { id: importId }, select: IMPORT_SELECT });
  if (!row) throw new NotFoundError(`Vulnerability DB import ${importId} does not exist.`);
  const run = (await runsOf([row.id])).get(row.id);
  return { ...toView(row, run), malformed: row.malformed, log: run?.log ?? "" };
}

/** The DB in use: its version (the latest succeeded import), advisory and package counts, per ecosystem too. */
export async function getVulnDbStatus({ actor }: { actor: Actor }): Promise<VulnDbStatus> {
  await assertSystemPermission(actor, "vulnerability_db.read", { type: RESOURCE_TYPE });
  const [current, active, advisoryCount, ecosystems] = await Promise.all([
    db.vulnDbImport.findFirst({ where: { status: "succeeded" }, orderBy: { id: "desc" }, select: { id: true, finishedAt: true, startedAt: true, source: true } }),
    db.$queryRaw<{ id: number }[]>`
      SELECT i.id FROM vuln_db_imports i
      WHERE i.status = 'running' AND EXISTS (
        SELECT 1 FROM job_runs r WHERE r.job_name = ${vulnDbImportJob.id} AND (r.payload->>'importId')::int = i.id AND r.status IN ('queued', 'running'))
      ORDER BY i.id DESC LIMIT 1`,
    db.vulnAdvisory.count(),
    // "Debian:12" and "Debian:11" are one ecosystem here; the release stays in the records.
    db.$queryRaw<{ ecosystem: string; advisories: number; packages: number }[]>`
      SELECT split_part(ecosystem, ':', 1) AS ecosystem, count(DISTINCT advisory_id)::int AS advisories, count(DISTINCT (ecosystem, name))::int AS packages
      FROM vuln_affected_packages GROUP BY 1 ORDER BY 1`,
  ]);
  const [packages] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM (SELECT DISTINCT ecosystem, name FROM vuln_affected_packages) p`;
  return {
    current: current ? { version: current.id, importId: current.id, updatedAt: current.finishedAt ?? current.startedAt, source: current.source } : null,
    advisoryCount,
    packageCount: packages?.n ?? 0,
    ecosystems,
    activeImportId: active[0]?.id ?? null,
  };
}
