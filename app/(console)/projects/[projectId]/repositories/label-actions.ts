"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { formAction } from "@/lib/actions/form-action";
import { addArtifactLabel, removeArtifactLabel } from "@/lib/services/labels/artifact-labels";
import { ZId } from "@/lib/validation/common";
import { ZReference, ZRepositoryName } from "@/lib/validation/repositories";

/** The artifact page's label picker: add one, remove one (the service checks artifact-label:create|delete). */
const ZArtifactLabelForm = z.object({ projectId: ZId, repository: ZRepositoryName, digest: ZReference, labelId: ZId });

export const addArtifactLabelAction = formAction(
  ZArtifactLabelForm,
  (input, actor) => addArtifactLabel({ actor, repository: input.repository, reference: input.digest, labelId: input.labelId, projectId: input.projectId }),
  (input, label) => {
    revalidatePath(repositoryHref(input.projectId, input.repository), "layout");
    return { ok: true, message: `Label ${label.name} added.` };
  },
);

export const removeArtifactLabelAction = formAction(
  ZArtifactLabelForm,
  (input, actor) => removeArtifactLabel({ actor, repository: input.repository, reference: input.digest, labelId: input.labelId, projectId: input.projectId }),
  (input) => {
    revalidatePath(repositoryHref(input.projectId, input.repository), "layout");
    return { ok: true, message: "Label removed." };
  },
  { hiddenFieldsOnly: true },
);
