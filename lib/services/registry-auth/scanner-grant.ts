import "server-only";
import { db } from "@/lib/db/client";
import type { RegistryAction } from "@/lib/services/authz/project-roles";
import { projectNameOf } from "@/lib/services/registry-auth/grant";
import type { SubjectRecord } from "@/lib/services/registry-auth/token-subject";
import { signRegistryToken, type IssuedToken } from "@/lib/services/registry-auth/token";

/**
 * The `scanner` grant: the token Wharf hands a scanner adapter with a scan request (the
 * ScanRequest's `registry.authorization`). It can pull exactly one repository and nothing else:
 *
 * - its subject is `scanner:<scan report id>` (usernames cannot contain `:`, robot names start
 *   with `robot$`, so it names no account);
 * - it carries `repository:<repo>:pull` only, for SCANNER_TOKEN_TTL_SECONDS;
 * - the gateway's check of the subject's current grant (current-grant.ts) gives it pull in that
 *   repository's project only while the scan report is queued or running, and only to tokens
 *   issued since that scan started; a push, a delete or another repository fails the token check,
 *   the catalog is refused, and the token dies with the scan.
 */
export const SCANNER_SUBJECT_PREFIX = "scanner:";

/** Long enough for an adapter to pull a large image; the scan's own timeout is the same. */
export const SCANNER_TOKEN_TTL_SECONDS = 900;

export function isScannerSubject(subject: string): boolean {
  return subject.startsWith(SCANNER_SUBJECT_PREFIX);
}

function reportIdOf(subject: string): number | null {
  const id = Number(subject.slice(SCANNER_SUBJECT_PREFIX.length));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export async function issueScannerPullToken(reportId: number, repository: string, options: { now?: number } = {}): Promise<IssuedToken> {
  return signRegistryToken(
    { subject: `${SCANNER_SUBJECT_PREFIX}${reportId}`, access: [{ type: "repository", name: repository, actions: ["pull"] }] },
    { ttlSeconds: SCANNER_TOKEN_TTL_SECONDS, now: options.now },
  );
}

type ScanSubject = { record: SubjectRecord; repository: string | null };

async function scanSubject(subject: string): Promise<ScanSubject | null> {
  const id = reportIdOf(subject);
  if (id === null) return null;
  const report = await db.scanReport.findUnique({ where: { id }, select: { id: true, status: true, repository: true, startedAt: true } });
  if (!report) return null;
  const live = report.status === "queued" || report.status === "running";
  return {
    record: {
      // The scan's pulls are recorded under this name (system:scanner:<id>).
      actor: live ? { kind: "system", name: subject } : null,
      expiresAt: null,
      tokensValidFrom: report.startedAt ? Math.floor(report.startedAt.getTime() / 1000) : 0,
    },
    repository: live ? report.repository : null,
  };
}

/** findTokenSubject for `scanner:<id>`: a live scan is a system actor; a finished one is disabled. */
export async function findScannerSubject(subject: string): Promise<SubjectRecord | null> {
  return (await scanSubject(subject))?.record ?? null;
}

/** What a scanner subject holds in a project now: pull in its scan's project while the scan lives. */
export async function scannerGrantIn(subject: string, projectId: number): Promise<{ record: SubjectRecord; actions: ReadonlySet<RegistryAction> } | null> {
  const scan = await scanSubject(subject);
  if (!scan) return null;
  if (!scan.repository) return { record: scan.record, actions: new Set() };
  const project = await db.project.findUnique({ where: { id: projectId }, select: { name: true } });
  const held = project !== null && project.name === projectNameOf(scan.repository);
  return { record: scan.record, actions: new Set<RegistryAction>(held ? ["pull"] : []) };
}
