"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { deleteReplicationPolicyAction, retryReplicationAction, startReplicationAction, stopReplicationAction } from "@/app/(console)/admin/replications/actions";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/** Starts a run of the policy; on success the action opens the new execution's page. */
export function ReplicateNowButton({ policyId }: { policyId: number }) {
  const { result, formProps } = useActionForm(startReplicationAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="inline-flex flex-col gap-1" data-testid="replicate-now">
      <input type="hidden" name="policyId" value={policyId} />
      <SubmitButton pendingText="Starting…">Replicate now</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

export function StopExecutionButton({ executionId }: { executionId: number }) {
  return (
    <ConfirmActionForm
      action={stopReplicationAction}
      fields={{ executionId }}
      triggerLabel="Stop"
      title={`Stop execution #${executionId}?`}
      description="Tasks not yet started end as Stopped; an artifact being copied finishes first. What was copied stays at the destination."
      confirmLabel="Stop execution"
      pendingText="Stopping…"
      variant="secondary"
    />
  );
}

/** Runs the failed tasks of an ended execution again, and only those. */
export function RetryFailedButton({ executionId }: { executionId: number }) {
  const { result, formProps } = useActionForm(retryReplicationAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="inline-flex flex-col gap-1">
      <input type="hidden" name="executionId" value={executionId} />
      <SubmitButton variant="secondary" pendingText="Retrying…">
        Retry failed tasks
      </SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

export function DeletePolicyButton({ policy }: { policy: { id: number; name: string } }) {
  return (
    <ConfirmActionForm
      action={deleteReplicationPolicyAction}
      fields={{ policyId: policy.id }}
      triggerLabel="Delete"
      title={`Delete replication policy ${policy.name}?`}
      description="Its execution history and task logs go with it. Nothing already replicated is removed from the destination."
      confirmLabel="Delete policy"
      pendingText="Deleting…"
      success={`Replication policy ${policy.name} deleted.`}
    />
  );
}

/**
 * Re-renders the server page every 2 s while an execution runs (its status, counts and tasks come
 * from the services each time), and stops once the page shows nothing running.
 */
export function RefreshWhileRunning({ running }: { running: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(timer);
  }, [running, router]);
  return null;
}
