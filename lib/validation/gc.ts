import { z } from "zod";
import { ZCronExpression } from "@/lib/validation/audit-retention";
import { ZCheckbox } from "@/lib/validation/common";

/**
 * Garbage collection's inputs, shared by the console's forms and the REST API (Harbor's
 * `parameters`: dry_run, delete_untagged, workers).
 *
 * `delete_untagged` is refused: Distribution 2.8's delete-untagged mode also deletes the children
 * of multi-arch indexes and untagged accessories (signatures, SBOMs) that Wharf's index still
 * holds. Wharf deletes untagged artifacts itself (artifact delete, retention's untagged rule),
 * through the registry's API, and the collection then frees their blobs.
 */
export const DELETE_UNTAGGED_REFUSED =
  "Not supported: the registry's delete-untagged mode would also delete multi-arch index children and untagged signatures that Wharf still holds. Delete untagged artifacts in Wharf (or with a retention rule); garbage collection then frees their blobs.";

export const GC_WORKERS_MAX = 5;

export const ZGcParameters = z.object({
  dryRun: z.boolean().default(false),
  deleteUntagged: z.literal(false, { error: DELETE_UNTAGGED_REFUSED }).default(false),
  /** Harbor's workers (1-5); Distribution's garbage-collect is one process, so it is recorded, not used. */
  workers: z.number({ error: "Must be a number" }).int("Must be a whole number").min(1, "At least 1").max(GC_WORKERS_MAX, `At most ${GC_WORKERS_MAX}`).default(1),
});
export type TGcParameters = z.infer<typeof ZGcParameters>;

/** The console's run form: a dry run checkbox. */
export const ZGcRunForm = z.object({ dryRun: ZCheckbox }).transform((v): TGcParameters => ({ dryRun: v.dryRun, deleteUntagged: false, workers: 1 }));

/** The stored schedule: a 5-field UTC cron or none, and what each scheduled run does. */
export const ZGcSchedule = z.object({
  cron: ZCronExpression.nullable(),
  dryRun: z.boolean().default(false),
  workers: ZGcParameters.shape.workers,
});
export type TGcSchedule = z.infer<typeof ZGcSchedule>;
