/**
 * The shapes of the security views (lib/services/scan/security.ts) that the REST mappers and the
 * console share: pure types and helpers, no database (imported by lib/api/shapes.ts and pages).
 */
import type { Severity } from "@/lib/scan/adapter/spec-schemas";

/** The scan states as Wharf stores them; Harbor's names come from HARBOR_SCAN_STATUS. */
export type ScanState = "queued" | "running" | "succeeded" | "failed" | "stopped";

export const HARBOR_SCAN_STATUS = { queued: "Pending", running: "Running", succeeded: "Success", failed: "Error", stopped: "Stopped" } as const satisfies Record<ScanState, string>;

export type SeverityCounts = Record<Severity, number> & { total: number; fixable: number };

export type ScanOverview = {
  status: ScanState;
  /** The report's uuid (Harbor's report_id); null for an index (summarised from its children). */
  reportId: string | null;
  mimeType: string;
  scanner: { name: string; vendor: string; version: string } | null;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Finished share: 100 once the scan ended; for an index, of its child images. */
  completePercent: number;
  /** Counts of the succeeded report(s); null while none succeeded. */
  summary: SeverityCounts | null;
  /** For an index: child images, and how many of them have a report. */
  children?: { total: number; withReport: number };
};

export function emptyCounts(): SeverityCounts {
  return { Critical: 0, High: 0, Medium: 0, Low: 0, Negligible: 0, Unknown: 0, total: 0, fixable: 0 };
}

/** The highest severity with a finding; "None" for a clean report (Harbor's word). */
export function overallSeverity(c: SeverityCounts): Severity | "None" {
  for (const s of ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"] as const) if (c[s] > 0) return s;
  return "None";
}
