/**
 * Queues an OSV import: the import row and its `scan.vuln_db_import` run are written in the
 * caller's transaction. The caller is the service that authorized the request and writes its
 * audit row in that same transaction (the REST upload and the console, in a later change).
 */
import type { DbTransaction } from "@/lib/db/client";
import { vulnDbImportJob } from "@/lib/jobs/definitions";
import { queueRun } from "@/lib/services/jobs/queue-run";

export async function queueVulnDbImport(
  tx: DbTransaction,
  source: { kind: "folder" | "zip"; path: string; label: string },
  trigger: string,
): Promise<{ importId: number; runId: number }> {
  const row = await tx.vulnDbImport.create({ data: { source: source.label.slice(0, 1024) }, select: { id: true } });
  const { runId } = await queueRun(tx, vulnDbImportJob, { importId: row.id, kind: source.kind, path: source.path }, trigger);
  return { importId: row.id, runId };
}
