/**
 * The subset of the OSV schema (https://ossf.github.io/osv-schema/) the scanner reads.
 * Parsing is tolerant of older shapes (no schema_version/modified, affected entries without a
 * package) because real published records have them; a record that is not an object with an
 * id is malformed and the importer counts it instead of failing.
 */
import { z } from "zod";

const eventSchema = z
  .object({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .loose();

const rangeSchema = z
  .object({
    type: z.string(),
    repo: z.string().optional(),
    events: z.array(eventSchema).default([]),
  })
  .loose();

const affectedSchema = z
  .object({
    package: z
      .object({ ecosystem: z.string(), name: z.string(), purl: z.string().optional() })
      .loose()
      .optional(),
    ranges: z.array(rangeSchema).optional(),
    versions: z.array(z.string()).optional(),
    severity: z.array(z.object({ type: z.string(), score: z.string() }).loose()).optional(),
    database_specific: z.record(z.string(), z.unknown()).optional(),
    ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export const osvRecordSchema = z
  .object({
    id: z.string().min(1),
    modified: z.string().optional(),
    published: z.string().optional(),
    withdrawn: z.string().optional(),
    aliases: z.array(z.string()).nullish(),
    related: z.array(z.string()).nullish(),
    summary: z.string().optional(),
    details: z.string().optional(),
    severity: z.array(z.object({ type: z.string(), score: z.string() }).loose()).nullish(),
    affected: z.array(affectedSchema).nullish(),
    references: z.array(z.object({ type: z.string(), url: z.string() }).loose()).nullish(),
    database_specific: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();

export type OsvRecord = z.infer<typeof osvRecordSchema>;
export type OsvAffected = z.infer<typeof affectedSchema>;
export type OsvRange = z.infer<typeof rangeSchema>;
export type OsvEvent = z.infer<typeof eventSchema>;

export type ParsedOsvRecord = { ok: true; record: OsvRecord } | { ok: false; error: string };

export function parseOsvRecord(input: unknown): ParsedOsvRecord {
  const result = osvRecordSchema.safeParse(input);
  if (result.success) return { ok: true, record: result.data };
  const issue = result.error.issues[0];
  return { ok: false, error: issue ? `${issue.path.join(".") || "(record)"}: ${issue.message}` : "invalid record" };
}
