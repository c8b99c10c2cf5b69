/**
 * Harbor's Quota, QuotaUpdateReq and ProjectSummary (its quota part) shapes for /quotas and
 * /projects/{p}/summary. Quota ids are project ids (one quota per project).
 */
import { z } from "zod";
import { ZStorageLimitBytes } from "@/lib/validation/quotas";
import type { ProjectQuota } from "@/lib/services/quotas/quotas";

const ZResourceList = z.object({ storage: z.int().describe("Bytes; in `hard`, -1 is unlimited.") });

export const ZHarborQuota = z.object({
  id: z.int().describe("The quota's id: Wharf's is the project's id."),
  ref: z.object({ id: z.int(), name: z.string(), owner_name: z.string() }).describe("The project the quota belongs to."),
  hard: ZResourceList.describe("The limit: storage in bytes, -1 unlimited."),
  used: ZResourceList.describe("The bytes of the distinct blobs (manifests, configs, layers) the project's artifacts reference."),
  creation_time: z.iso.datetime().describe("When the project was created."),
  update_time: z.iso.datetime().describe("When the project (or its limit) last changed."),
});
export type HarborQuota = z.infer<typeof ZHarborQuota>;

export function toHarborQuota(q: ProjectQuota): HarborQuota {
  return {
    id: q.id,
    ref: { id: q.projectId, name: q.projectName, owner_name: q.ownerName ?? "" },
    hard: { storage: Number(q.hard) },
    used: { storage: Number(q.used) },
    creation_time: q.createdAt.toISOString(),
    update_time: q.updatedAt.toISOString(),
  };
}

/** PUT /quotas/{id}: `hard.storage` in bytes (-1 unlimited). */
export const ZQuotaUpdateReq = z.object({
  hard: z.object({ storage: ZStorageLimitBytes }, { error: "Must be an object with `storage` (bytes, -1 unlimited)" }).catchall(z.never({ error: "Only storage quotas are supported" })),
});

/** Harbor's ProjectSummary: member counts by role, repository count and the quota. */
export const ZHarborProjectSummary = z.object({
  repo_count: z.int(),
  project_admin_count: z.int(),
  maintainer_count: z.int(),
  developer_count: z.int(),
  guest_count: z.int(),
  limited_guest_count: z.int(),
  quota: z.object({ hard: ZResourceList, used: ZResourceList }),
});
export type HarborProjectSummary = z.infer<typeof ZHarborProjectSummary>;
