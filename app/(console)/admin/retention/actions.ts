"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { ZJsonField } from "@/app/(console)/projects/[projectId]/policy/json-field";
import { formAction } from "@/lib/actions/form-action";
import { setSystemRetentionDefault } from "@/lib/services/retention/policies";

export const saveSystemRetentionDefaultAction = formAction(
  z.object({ policy: ZJsonField }),
  (input, actor) => setSystemRetentionDefault({ actor, input: input.policy }),
  () => {
    revalidatePath("/admin/retention");
    return { ok: true, message: "System default saved. Every project without its own policy follows it." };
  },
);
