import type { JobHandler } from "@/lib/jobs/define-job";
import type { VulnDbImportPayload } from "@/lib/jobs/definitions";
import { osvFolderEntries, osvZipEntries } from "@/lib/scan/osv/sources";
import { emptyCounts, finishVulnDbImport, importOsvEntries, type ImportCounts } from "@/lib/services/scan/vuln-db";

/**
 * One attempt of a `scan.vuln_db_import` run: every batch of records commits together with the
 * run's progress (records read so far), and the import row gets its counts at the end. A source
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
    await finishVulnDbImport(importId, { error: message, counts });
    throw error;
  }
  await finishVulnDbImport(importId, { counts });
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
