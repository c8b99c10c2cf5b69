"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions/form-action";
import { stopArtifactScan } from "@/lib/services/scan/stop-scan";
import { artifactHref } from "@/app/(console)/projects/[projectId]/repositories/format";

// Thin: the service decides who may stop (scan:stop) and writes the audit row.
const ZStopArtifactScanForm = z.object({
  projectId: z.coerce.number().int().positive(),
  repository: z.string().min(1).max(255),
  digest: z.string().min(1).max(255),
  scanType: z.enum(["vulnerability", "sbom"]).default("vulnerability"),
});

export const stopArtifactScanAction = formAction(
  ZStopArtifactScanForm,
  ({ projectId, repository, digest, scanType }, actor) => stopArtifactScan({ actor, projectId, repository, reference: digest, input: { scanType } }),
  (input) => {
    revalidatePath(artifactHref(input.projectId, input.repository, input.digest));
    return { ok: true, message: input.scanType === "sbom" ? "SBOM generation stopped." : "Scan stopped." };
  },
  { hiddenFieldsOnly: true },
);
