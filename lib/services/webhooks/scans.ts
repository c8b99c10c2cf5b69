import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import { projectsWanting, queueWebhookEvent } from "@/lib/services/webhooks/notify";
import { artifactPayload } from "@/lib/services/webhooks/payload";

/**
 * SCANNING_COMPLETED / SCANNING_FAILED: called by the scan.artifact run in the transaction that
 * ends a vulnerability report (succeeded with its findings, or failed), so the event is queued
 * exactly when the outcome commits. The resource carries Harbor's `scan_overview` keyed by the
 * report's MIME type (status, severity counts, scanner, times).
 */
export async function queueScanWebhook(
  tx: DbTransaction,
  { reportId, outcome, tag, operator = "scanner" }: { reportId: number; outcome: "completed" | "failed"; tag?: string | null; operator?: string },
): Promise<void> {
  const type = outcome === "completed" ? "SCANNING_COMPLETED" : "SCANNING_FAILED";
  const report = await tx.scanReport.findUnique({
    where: { id: reportId },
    select: { uuid: true, artifactDigest: true, repository: true, mimeType: true, report: true, startedAt: true, endedAt: true, scanner: { select: { name: true } } },
  });
  if (!report) return;
  const repository = await tx.repository.findUnique({ where: { name: report.repository }, select: { projectId: true, createdAt: true, project: { select: { isPublic: true } } } });
  if (!repository) return;
  if (!(await projectsWanting(tx, [repository.projectId], type)).has(repository.projectId)) return;
  const counts: Record<string, number> = {};
  const found = (report.report as { vulnerabilities?: { severity?: string; fix_version?: string }[] } | null)?.vulnerabilities ?? [];
  for (const v of found) counts[v.severity ?? "Unknown"] = (counts[v.severity ?? "Unknown"] ?? 0) + 1;
  const order = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"];
  const severity = order.find((s) => counts[s]) ?? "None";
  const end = report.endedAt ?? new Date();
  const scanOverview = {
    [report.mimeType]: {
      report_id: report.uuid,
      scan_status: outcome === "completed" ? "Success" : "Error",
      severity: outcome === "completed" ? severity : "",
      duration: report.startedAt ? Math.round((end.getTime() - report.startedAt.getTime()) / 1000) : 0,
      summary: { total: found.length, fixable: found.filter((v) => v.fix_version).length, summary: counts },
      start_time: (report.startedAt ?? end).toISOString(),
      end_time: end.toISOString(),
      scanner: { name: report.scanner.name, vendor: "", version: "" },
      complete_percent: 100,
    },
  };
  await queueWebhookEvent(
    tx,
    repository.projectId,
    artifactPayload({
      type,
      at: end,
      operator,
      repository: report.repository,
      repositoryCreated: repository.createdAt,
      isPublic: repository.project.isPublic,
      digest: report.artifactDigest,
      tag: tag ?? null,
      scanOverview,
    }),
  );
}
