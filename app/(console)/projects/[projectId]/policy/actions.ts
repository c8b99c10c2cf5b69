"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { ZJsonField } from "@/app/(console)/projects/[projectId]/policy/json-field";
import type { ActionResult } from "@/lib/actions/action-result";
import { formAction } from "@/lib/actions/form-action";
import { clearProjectRetention, setProjectRetention } from "@/lib/services/retention/policies";
import { retryRetentionRun, startRetentionRun, stopRetentionRun } from "@/lib/services/retention/runs";
import { createImmutableRule, deleteImmutableRule, setImmutableRuleDisabled, setNamingPolicy, updateImmutableRule } from "@/lib/services/tag-policy/rules";
import { ZCheckbox, ZId } from "@/lib/validation/common";

const path = (projectId: number) => `/projects/${projectId}/policy`;

/** A run's answer names its execution, so the page can link to it at once. */
export type StartRunResult = ActionResult & { executionId?: number };

export const saveRetentionPolicyAction = formAction(
  z.object({ projectId: ZId, policy: ZJsonField }),
  (input, actor) => setProjectRetention({ actor, projectId: input.projectId, input: input.policy }),
  (input) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: "Retention policy saved. Runs of this project now follow it." };
  },
);

export const clearRetentionPolicyAction = formAction(
  z.object({ projectId: ZId }),
  (input, actor) => clearProjectRetention({ actor, projectId: input.projectId }),
  (input) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: "The project's own policy was removed." };
  },
  { hiddenFieldsOnly: true },
);

export const startRetentionRunAction = formAction<z.ZodObject<{ projectId: typeof ZId; dryRun: typeof ZCheckbox }>, { executionId: number }, StartRunResult>(
  z.object({ projectId: ZId, dryRun: ZCheckbox }),
  (input, actor) => startRetentionRun({ actor, projectId: input.projectId, dryRun: input.dryRun }),
  (input, { executionId }) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: `${input.dryRun ? "Dry run" : "Run"} #${executionId} started.`, executionId };
  },
  { hiddenFieldsOnly: true },
);

export const stopRetentionRunAction = formAction(
  z.object({ projectId: ZId, executionId: ZId }),
  (input, actor) => stopRetentionRun({ actor, projectId: input.projectId, executionId: input.executionId }),
  (input) => {
    revalidatePath(path(input.projectId), "layout");
    return { ok: true, message: `Execution #${input.executionId} stopped.` };
  },
  { hiddenFieldsOnly: true },
);

export const retryRetentionRunAction = formAction(
  z.object({ projectId: ZId, executionId: ZId }),
  (input, actor) => retryRetentionRun({ actor, projectId: input.projectId, executionId: input.executionId }),
  (input, { retried }) => {
    revalidatePath(path(input.projectId), "layout");
    return { ok: true, message: retried > 0 ? `${retried} failed task(s) of execution #${input.executionId} queued again.` : `Execution #${input.executionId} queued again.` };
  },
  { hiddenFieldsOnly: true },
);

const ZImmutableRuleForm = z.object({ projectId: ZId, ruleId: ZId.optional(), rule: ZJsonField });

export const saveImmutableRuleAction = formAction(
  ZImmutableRuleForm,
  (input, actor) =>
    input.ruleId
      ? updateImmutableRule({ actor, projectId: input.projectId, ruleId: input.ruleId, rule: input.rule })
      : createImmutableRule({ actor, projectId: input.projectId, rule: input.rule }),
  (input) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: input.ruleId ? "Immutability rule saved." : "Immutability rule added." };
  },
  // An empty ruleId (a new rule) is absent, not 0.
  { read: (formData) => ({ projectId: formData.get("projectId"), ruleId: formData.get("ruleId") || undefined, rule: formData.get("rule") }) },
);

export const setImmutableRuleDisabledAction = formAction(
  z.object({ projectId: ZId, ruleId: ZId, disabled: ZCheckbox }),
  (input, actor) => setImmutableRuleDisabled({ actor, projectId: input.projectId, ruleId: input.ruleId, disabled: input.disabled }),
  (input) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: input.disabled ? "Rule disabled." : "Rule enabled." };
  },
  { hiddenFieldsOnly: true },
);

export const deleteImmutableRuleAction = formAction(
  z.object({ projectId: ZId, ruleId: ZId }),
  (input, actor) => deleteImmutableRule({ actor, projectId: input.projectId, ruleId: input.ruleId }),
  (input) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: "Immutability rule deleted." };
  },
  { hiddenFieldsOnly: true },
);

export const saveNamingPolicyAction = formAction(
  z.object({ projectId: ZId, pattern: z.string().default(""), enabled: ZCheckbox }),
  // An empty pattern removes the policy: new tags are then free-form again.
  (input, actor) => setNamingPolicy({ actor, projectId: input.projectId, policy: input.pattern === "" ? null : { pattern: input.pattern, enabled: input.enabled } }),
  (input) => {
    revalidatePath(path(input.projectId));
    return { ok: true, message: input.pattern === "" ? "Naming policy removed." : "Naming policy saved." };
  },
);
