"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { ZJsonField } from "@/app/(console)/projects/[projectId]/policy/json-field";
import { formAction } from "@/lib/actions/form-action";
import { createReplicationPolicy, deleteReplicationPolicy, updateReplicationPolicy } from "@/lib/services/replication/policies";
import { retryFailedReplicationTasks, startReplication, stopReplication } from "@/lib/services/replication/runs";
import { ZId } from "@/lib/validation/common";

// Thin actions: the policy travels as one JSON field that the service validates with its own
// schema (field messages keyed by path: `cron`, `filters.name.pattern`, …); the services
// authorize and audit, never these.

const BASE = "/admin/replications";

export const createReplicationPolicyAction = formAction(
  z.object({ policy: ZJsonField }),
  (input, actor) => createReplicationPolicy({ actor, input: input.policy }),
  (_input, policy) => {
    revalidatePath(BASE);
    redirect(`${BASE}/${policy.id}?created=1`);
  },
);

export const updateReplicationPolicyAction = formAction(
  z.object({ policyId: ZId, policy: ZJsonField }),
  (input, actor) => updateReplicationPolicy({ actor, policyId: input.policyId, input: input.policy }),
  () => {
    revalidatePath(BASE, "layout");
    return { ok: true, message: "Replication policy saved." };
  },
);

export const deleteReplicationPolicyAction = formAction(
  z.object({ policyId: ZId }),
  (input, actor) => deleteReplicationPolicy({ actor, policyId: input.policyId }),
  () => {
    revalidatePath(BASE);
    return { ok: true, message: "Replication policy deleted." };
  },
  { hiddenFieldsOnly: true },
);

/** Replicate now: the new execution's page follows it (it refreshes itself while the run lasts). */
export const startReplicationAction = formAction(
  z.object({ policyId: ZId }),
  (input, actor) => startReplication({ actor, policyId: input.policyId }),
  (input, { executionId }) => {
    revalidatePath(`${BASE}/${input.policyId}`);
    redirect(`${BASE}/${input.policyId}/executions/${executionId}`);
  },
  { hiddenFieldsOnly: true },
);

export const stopReplicationAction = formAction(
  z.object({ executionId: ZId }),
  (input, actor) => stopReplication({ actor, executionId: input.executionId }),
  (input) => {
    revalidatePath(BASE, "layout");
    return { ok: true, message: `Execution #${input.executionId} stopped: tasks not yet started will not run.` };
  },
  { hiddenFieldsOnly: true },
);

export const retryReplicationAction = formAction(
  z.object({ executionId: ZId }),
  (input, actor) => retryFailedReplicationTasks({ actor, executionId: input.executionId }),
  (input, { tasks }) => {
    revalidatePath(BASE, "layout");
    return { ok: true, message: `${tasks} failed task(s) of execution #${input.executionId} queued again.` };
  },
  { hiddenFieldsOnly: true },
);
