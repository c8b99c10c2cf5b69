/**
 * The vulnerability DB: OSV records imported into Postgres. An import reads records one at a
 * time from a folder or an osv.dev zip (lib/scan/osv/sources), writes them in batches (one
 * transaction each, so a job can record progress with each batch), and counts what was added,
 * changed, unchanged and malformed; a malformed record is counted and named, never fatal.
 */
import { createHash } from "node:crypto";

import { db, type DbTransaction } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { parseOsvRecord, type OsvRecord } from "@/lib/scan/osv/record";
import { recordSeverity } from "@/lib/scan/osv/severity";
import type { OsvSourceEntry } from "@/lib/scan/osv/sources";
import { normalizePackageName } from "@/lib/scan/versions/names";

export const IMPORT_BATCH_SIZE = 250;
/** How many malformed entries an import names (all are counted). */
export const MALFORMED_NAMED_MAX = 50;

export interface ImportCounts {
  seen: number;
  added: number;
  changed: number;
  unchanged: number;
  malformed: number;
  malformedNames: string[];
}

export const emptyCounts = (): ImportCounts => ({ seen: 0, added: 0, changed: 0, unchanged: 0, malformed: 0, malformedNames: [] });

/** Runs one batch's writes in a transaction; a job passes its ctx.step so progress commits with it. */
export type BatchTransaction = <T>(work: (tx: DbTransaction) => Promise<T>, counts: ImportCounts) => Promise<T>;

const defaultTransaction: BatchTransaction = (work) => db.$transaction(work, { timeout: 60_000 });

interface PreparedRecord {
  record: OsvRecord;
  hash: string;
}

function dateOrNull(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function advisoryRow(prepared: PreparedRecord, importId: number): Prisma.VulnAdvisoryCreateManyInput {
  const { record } = prepared;
  const severity = recordSeverity(record);
  return {
    id: record.id,
    aliases: record.aliases ?? [],
    summary: record.summary ?? null,
    details: record.details ?? null,
    modified: dateOrNull(record.modified),
    published: dateOrNull(record.published),
    withdrawn: dateOrNull(record.withdrawn),
    severity: severity.level,
    cvssType: severity.cvss?.type ?? null,
    cvssVector: severity.cvss?.vector ?? null,
    cvssScore: severity.cvss?.score ?? null,
    links: (record.references ?? []).map((r) => r.url),
    record: record as unknown as Prisma.InputJsonValue,
    contentHash: prepared.hash,
    importId,
  };
}

function affectedRows(record: OsvRecord): Prisma.VulnAffectedPackageCreateManyInput[] {
  const keys = new Set<string>();
  for (const affected of record.affected ?? []) {
    if (!affected.package) continue;
    const { ecosystem, name } = affected.package;
    keys.add(JSON.stringify([ecosystem, normalizePackageName(ecosystem, name)]));
  }
  return [...keys].map((key) => {
    const [ecosystem, name] = JSON.parse(key) as [string, string];
    return { advisoryId: record.id, ecosystem, name };
  });
}

async function writeBatch(tx: DbTransaction, batch: Map<string, PreparedRecord>, importId: number, counts: ImportCounts): Promise<void> {
  const existing = await tx.vulnAdvisory.findMany({ where: { id: { in: [...batch.keys()] } }, select: { id: true, contentHash: true } });
  const known = new Map(existing.map((e) => [e.id, e.contentHash]));
  const toWrite = [...batch.values()].filter((p) => known.get(p.record.id) !== p.hash);
  const changedIds = toWrite.filter((p) => known.has(p.record.id)).map((p) => p.record.id);
  if (changedIds.length) await tx.vulnAdvisory.deleteMany({ where: { id: { in: changedIds } } });
  if (toWrite.length) {
    await tx.vulnAdvisory.createMany({ data: toWrite.map((p) => advisoryRow(p, importId)) });
    await tx.vulnAffectedPackage.createMany({ data: toWrite.flatMap((p) => affectedRows(p.record)) });
  }
  counts.changed += changedIds.length;
  counts.added += toWrite.length - changedIds.length;
  counts.unchanged += batch.size - toWrite.length;
}

function noteMalformed(counts: ImportCounts, name: string, reason: string): void {
  counts.malformed++;
  if (counts.malformedNames.length < MALFORMED_NAMED_MAX) counts.malformedNames.push(`${name}: ${reason}`.slice(0, 500));
}

export async function createVulnDbImport(source: string): Promise<number> {
  const row = await db.vulnDbImport.create({ data: { source: source.slice(0, 1024) }, select: { id: true } });
  return row.id;
}

/** Imports every entry; returns the counts (also written on the import row by finishVulnDbImport). */
export async function importOsvEntries(
  importId: number,
  entries: AsyncIterable<OsvSourceEntry>,
  options: { transact?: BatchTransaction; batchSize?: number; signal?: AbortSignal } = {},
): Promise<ImportCounts> {
  const transact = options.transact ?? defaultTransaction;
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  const counts = emptyCounts();
  let batch = new Map<string, PreparedRecord>();
  const flush = async () => {
    if (!batch.size) return;
    const current = batch;
    batch = new Map();
    await transact((tx) => writeBatch(tx, current, importId, counts), counts);
  };
  for await (const entry of entries) {
    options.signal?.throwIfAborted();
    counts.seen++;
    if (entry.text === null) {
      noteMalformed(counts, entry.name, entry.error ?? "unreadable");
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(entry.text);
    } catch (error) {
      noteMalformed(counts, entry.name, `not JSON (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const parsed = parseOsvRecord(json);
    if (!parsed.ok) {
      noteMalformed(counts, entry.name, parsed.error);
      continue;
    }
    if (batch.has(parsed.record.id)) await flush();
    batch.set(parsed.record.id, { record: parsed.record, hash: createHash("sha256").update(entry.text).digest("hex") });
    if (batch.size >= batchSize) await flush();
  }
  await flush();
  return counts;
}

export async function finishVulnDbImport(
  importId: number,
  outcome: { counts: ImportCounts } | { error: string; counts: ImportCounts },
  options: {
    /**
     * Called in the transaction that records the import's end when it added or changed advisories:
     * the import job queues the re-evaluation of the artifacts they touch there, so the import is
     * never recorded finished without it (lib/services/scan/reevaluate.ts).
     */
    onChanged?: (tx: DbTransaction) => Promise<unknown>;
  } = {},
): Promise<void> {
  const { counts } = outcome;
  const advisoryCount = await db.vulnAdvisory.count();
  await db.$transaction(async (tx) => {
    await tx.vulnDbImport.update({
      where: { id: importId },
      data: {
        status: "error" in outcome ? "failed" : "succeeded",
        error: "error" in outcome ? outcome.error.slice(0, 2000) : null,
        finishedAt: new Date(),
        recordsSeen: counts.seen,
        recordsAdded: counts.added,
        recordsChanged: counts.changed,
        recordsUnchanged: counts.unchanged,
        recordsMalformed: counts.malformed,
        malformed: counts.malformedNames,
        advisoryCount,
      },
    });
    // Asked of the DB rather than the counts: a failed attempt may have committed batches whose
    // advisories a retried attempt then counts as unchanged; they are evaluated all the same.
    if (options.onChanged && (await tx.vulnAdvisory.findFirst({ where: { importId }, select: { id: true } }))) await options.onChanged(tx);
  });
}

/** The DB version shown to users: the latest succeeded import, with its date and counts. */
export async function currentVulnDbVersion() {
  return db.vulnDbImport.findFirst({ where: { status: "succeeded" }, orderBy: { id: "desc" } });
}
