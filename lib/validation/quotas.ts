import { z } from "zod";
import { ZId } from "@/lib/validation/common";

/** Harbor's quota `hard.storage` and project `storage_limit`: bytes, -1 unlimited. */
export const STORAGE_LIMIT_MESSAGE = "Enter -1 (unlimited) or a size of 0 or more";
const MAX_BYTES = 2n ** 62n;

/** Bytes as the REST API sends them: an integer from -1 up. */
export const ZStorageLimitBytes = z
  .number({ error: "Must be a number of bytes (-1: unlimited)" })
  .int("Must be a whole number of bytes")
  .min(-1, "Must be -1 (unlimited) or 0 or more bytes")
  .max(Number(MAX_BYTES), "Too large")
  .transform((v) => BigInt(v));

export const STORAGE_UNITS = ["MiB", "GiB", "TiB"] as const;
const UNIT_BYTES: Record<(typeof STORAGE_UNITS)[number], number> = { MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/**
 * The console's limit: a number and a unit (-1 unlimited), as one field `storageLimit` (its error
 * is shown under it); the answer is bytes.
 */
const ZStorageLimitForm = z.object({
  storageLimit: z
    .string({ error: STORAGE_LIMIT_MESSAGE })
    .trim()
    .regex(/^(-1|\d+(\.\d+)?)$/, STORAGE_LIMIT_MESSAGE),
  storageUnit: z.enum(STORAGE_UNITS, { error: "Choose a unit" }).catch("GiB"),
});

function toBytes({ storageLimit, storageUnit }: z.infer<typeof ZStorageLimitForm>): bigint {
  if (storageLimit === "-1") return -1n;
  const bytes = Math.round(Number(storageLimit) * UNIT_BYTES[storageUnit]);
  // zod runs an object's refinements even when a field failed: never throw on what failed already.
  return Number.isFinite(bytes) ? BigInt(bytes) : 0n;
}

/** A project's storage limit from the Configuration tab. */
export const ZUpdateProjectQuota = ZStorageLimitForm.extend({ projectId: ZId })
  .refine((v) => toBytes(v) < MAX_BYTES, {
    message: "Too large",
    path: ["storageLimit"],
  })
  .transform((v) => ({ projectId: v.projectId, storageLimit: toBytes(v) }));
export type TUpdateProjectQuota = z.output<typeof ZUpdateProjectQuota>;

/** The default limit of new projects (Settings). */
export const ZUpdateDefaultStorageLimit = ZStorageLimitForm.refine((v) => toBytes(v) < MAX_BYTES, { message: "Too large", path: ["storageLimit"] }).transform((v) => ({
  storageLimit: toBytes(v),
}));

/** A limit shown in the form: the largest unit it is a whole number of, else GiB with decimals. */
export function storageLimitFormValue(bytes: bigint): { storageLimit: string; storageUnit: (typeof STORAGE_UNITS)[number] } {
  if (bytes < 0n) return { storageLimit: "-1", storageUnit: "GiB" };
  for (const unit of ["TiB", "GiB", "MiB"] as const) {
    const size = BigInt(UNIT_BYTES[unit]);
    if (bytes % size === 0n && bytes >= size) return { storageLimit: (bytes / size).toString(), storageUnit: unit };
  }
  return { storageLimit: String(Number(bytes) / UNIT_BYTES.MiB), storageUnit: "MiB" };
}

/** GET /quotas's query (Harbor's names). */
export const QUOTA_SORTS = ["hard.storage", "-hard.storage", "used.storage", "-used.storage", "creation_time", "-creation_time", "update_time", "-update_time"] as const;
