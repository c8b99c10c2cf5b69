"use server";

import { revalidatePath } from "next/cache";
import { formAction } from "@/lib/actions/form-action";
import { setRegistryMirror } from "@/lib/services/proxy-cache/mirror";
import { ZSetRegistryMirror } from "@/lib/validation/proxy-cache";

export const setRegistryMirrorAction = formAction(
  ZSetRegistryMirror,
  ({ projectId, mirror }, actor) => setRegistryMirror({ actor, projectId: mirror ? projectId : null }),
  ({ projectId }, result) => {
    revalidatePath(`/projects/${projectId}/cache`);
    return { ok: true, message: result ? "This project is now the registry mirror." : "Mirror mode is off." };
  },
  { hiddenFieldsOnly: true },
);
