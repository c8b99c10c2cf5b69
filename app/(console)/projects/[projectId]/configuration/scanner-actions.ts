"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { clearProjectScanner, setProjectScanner } from "@/lib/services/scan/scanners";
import { ZChooseProjectScanner } from "@/lib/validation/scanners";

// Thin: the service decides who may change the project's scanner and writes the audit row.

/** A scanner of the project's own, or (empty choice) the system default. */
export const chooseProjectScannerAction = formAction(
  ZChooseProjectScanner,
  ({ projectId, scannerId }, actor) =>
    scannerId === null ? clearProjectScanner({ actor, projectId }) : setProjectScanner({ actor, projectId, input: { scannerId } }),
  ({ projectId }, choice) => {
    revalidatePath(`/projects/${projectId}/configuration`);
    const name = choice.scanner?.name ?? "none";
    return { ok: true, message: choice.own ? `Scans use ${name}.` : `Scans use the system default (${name}).` };
  },
);
