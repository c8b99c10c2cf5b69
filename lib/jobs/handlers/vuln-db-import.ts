import type { JobHandler } from "@/lib/jobs/define-job";
import type { VulnDbImportPayload } from "@/lib/jobs/definitions";
import { osvFolderEntries, osvZipEntries } from "@/lib/scan/osv/sources";
import { queueReevaluation } from "@/lib/services/scan/reevaluate";
import { emptyCounts, finishVulnDbImport, importOsvEntries, type ImportCounts } from "@/lib/services/scan/vuln-db";

/**
 * One attempt of a `scan.vuln_db_import` run: every batch of records commits together with the
 * run's progress (records read so far), and the import row gets its counts at the end (with the
 * re-evaluation of the artifacts its new or changed advisories touch queued alongside). A source
 * that cannot be read at all (not a zip, folder gone) fails the import with that message.
 */
const handleVulnDbImport: JobHandler<VulnDbImportPayload> = async (ctx) => {
  const { importId, kind, path } = ctx.payload;
  const entries = kind === "zip" ? osvZipEntries(path) : osvFolderEntries(path);
  let counts: ImportCounts = emptyCounts();
  try {
    counts = await importOsvEntries(importId, entries, {
      signal: ctx.signal,
      transact: (work, current) => ctx.step(work, () => ({ done: current.seen })),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await finishVulnDbImport(importId, { error: message, counts }, { onChanged: (tx) => queueReevaluation(tx, importId, `import #${importId}`) });
    throw error;
  }
  // The re-evaluation is queued with the import's end (same transaction): only the artifacts whose
  // stored packages the added or changed advisories name are evaluated again, without a pull.
  await finishVulnDbImport(importId, { counts }, { onChanged: (tx) => queueReevaluation(tx, importId, `import #${importId}`) });
  ctx.log(
    `Imported ${counts.seen} records: ${counts.added} added, ${counts.changed} changed, ${counts.unchanged} unchanged, ${counts.malformed} malformed.`,
  );
  for (const line of counts.malformedNames.slice(0, 10)) ctx.log(`malformed: ${line}`);
  const { malformedNames, ...totals } = counts;
  const result = { importId, ...totals, malformedNamed: malformedNames.length };
  await ctx.report({ result });
  return result;
};

export default handleVulnDbImport;
