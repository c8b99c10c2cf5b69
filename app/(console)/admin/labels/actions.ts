"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions/form-action";
import { createLabel, deleteLabel, updateLabel } from "@/lib/services/labels/labels";
import { ZId } from "@/lib/validation/common";

/**
 * Label actions of Administration → Labels (global labels: no `projectId`) and of a project's
 * Labels tab (`projectId`). The fields are checked by the service with the shared schema
 * (lib/validation/labels), so a form and the REST API get the same field messages.
 */
const ZLabelForm = z.object({ projectId: ZId.optional(), input: z.record(z.string(), z.unknown()) });

function readLabelForm(formData: FormData) {
  return {
    projectId: formData.get("projectId") || undefined,
    labelId: formData.get("labelId") || undefined,
    input: { name: formData.get("name") ?? "", color: formData.get("color") ?? "", description: formData.get("description") ?? "" },
  };
}

function refresh(projectId: number | undefined) {
  revalidatePath(projectId === undefined ? "/admin/labels" : `/projects/${projectId}/labels`);
}

export const createLabelAction = formAction(
  ZLabelForm,
  (input, actor) => createLabel({ actor, project: input.projectId ?? null, input: input.input }),
  (input, label) => {
    refresh(input.projectId);
    return { ok: true, message: `Label ${label.name} created.` };
  },
  { read: readLabelForm },
);

export const updateLabelAction = formAction(
  ZLabelForm.extend({ labelId: ZId }),
  (input, actor) => updateLabel({ actor, labelId: input.labelId, input: input.input }),
  (input, label) => {
    refresh(input.projectId);
    return { ok: true, message: `Label ${label.name} saved.` };
  },
  { read: readLabelForm },
);

export const deleteLabelAction = formAction(
  z.object({ projectId: ZId.optional(), labelId: ZId }),
  (input, actor) => deleteLabel({ actor, labelId: input.labelId }),
  (input) => {
    refresh(input.projectId);
    return { ok: true, message: "Label deleted." };
  },
  { hiddenFieldsOnly: true },
);
