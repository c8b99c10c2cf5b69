/**
 * Severity of an OSV record: CVSS base scores computed from the record's vectors with
 * ae-cvss-calculator (v2, v3.0, v3.1, v4.0), never by hand; records carry vectors, not scores.
 * The v3 score leads (it is what "CVSS >= 7" policies and Harbor's reports mean), then v4, then
 * v2; without any vector the database's own label (GHSA's MODERATE...) is used.
 */
import cvssCalculator from "ae-cvss-calculator";

// The package is CommonJS whose exports Node's ESM loader cannot detect by name: imported whole
// (a named import works under vitest's and Next's bundlers but fails in the launcher's worker).
const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

import type { OsvRecord } from "./record";

export type SeverityLevel = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "NONE" | "UNKNOWN";

export interface CvssScore {
  type: "CVSS_V2" | "CVSS_V3" | "CVSS_V4";
  vector: string;
  score: number;
}

export interface RecordSeverity {
  level: SeverityLevel;
  /** The leading CVSS score, or null when the record has no usable vector. */
  cvss: CvssScore | null;
  /** Every vector that parsed, in the record's order. */
  scores: CvssScore[];
}

function scoreOf(type: string, vector: string): CvssScore | null {
  try {
    if (type === "CVSS_V3") {
      const cvss = vector.startsWith("CVSS:3.0/") ? new Cvss3P0(vector) : vector.startsWith("CVSS:3.1/") ? new Cvss3P1(vector) : null;
      const base = cvss?.calculateScores().base;
      return typeof base === "number" && Number.isFinite(base) ? { type, vector, score: base } : null;
    }
    if (type === "CVSS_V4" && vector.startsWith("CVSS:4.0/")) {
      const overall = new Cvss4P0(vector).calculateScores().overall;
      return typeof overall === "number" && Number.isFinite(overall) ? { type, vector, score: overall } : null;
    }
    if (type === "CVSS_V2") {
      const base = new Cvss2(vector).calculateScores().base;
      return typeof base === "number" && Number.isFinite(base) ? { type, vector, score: base } : null;
    }
  } catch {
    // A vector the calculator rejects is as good as absent; the level falls back to the label.
  }
  return null;
}

export function levelForScore(score: number): SeverityLevel {
  if (score >= 9) return "CRITICAL";
  if (score >= 7) return "HIGH";
  if (score >= 4) return "MEDIUM";
  if (score > 0) return "LOW";
  return "NONE";
}

function levelFromLabel(label: unknown): SeverityLevel {
  if (typeof label !== "string") return "UNKNOWN";
  const upper = label.toUpperCase();
  if (upper === "MODERATE") return "MEDIUM";
  return (["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const).find((l) => l === upper) ?? "UNKNOWN";
}

const PRECEDENCE: CvssScore["type"][] = ["CVSS_V3", "CVSS_V4", "CVSS_V2"];

export function recordSeverity(record: OsvRecord): RecordSeverity {
  const entries = [...(record.severity ?? []), ...(record.affected ?? []).flatMap((a) => a.severity ?? [])];
  const scores: CvssScore[] = [];
  for (const entry of entries) {
    const score = scoreOf(entry.type, entry.score);
    if (score && !scores.some((s) => s.type === score.type && s.vector === score.vector)) scores.push(score);
  }
  const cvss = PRECEDENCE.map((type) => scores.find((s) => s.type === type)).find((s) => s !== undefined) ?? null;
  const level = cvss ? levelForScore(cvss.score) : levelFromLabel(record.database_specific?.severity);
  return { level, cvss, scores };
}
