"use client";

import { useTranslations } from "next-intl";
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
  const t = useTranslations("replication");
  return (
    <form {...formProps} className="inline-flex flex-col gap-1" data-testid="replicate-now">
      <input type="hidden" name="policyId" value={policyId} />
      <SubmitButton pendingText={t("starting")}>{t("replicateNow")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

export function StopExecutionButton({ executionId }: { executionId: number }) {
  const t = useTranslations("replication");
  return (
    <ConfirmActionForm
      action={stopReplicationAction}
      fields={{ executionId }}
      triggerLabel={t("stop")}
      title={t("stopTitle", { id: executionId })}
      description={t("stopDescription")}
      confirmLabel={t("stopExecution")}
      pendingText={t("stopping")}
      variant="secondary"
    />
  );
}

/** Runs the failed tasks of an ended execution again, and only those. */
export function RetryFailedButton({ executionId }: { executionId: number }) {
  const { result, formProps } = useActionForm(retryReplicationAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("replication");
  return (
    <form {...formProps} className="inline-flex flex-col gap-1">
      <input type="hidden" name="executionId" value={executionId} />
      <SubmitButton variant="secondary" pendingText={t("retrying")}>
        {t("retryFailed")}
      </SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

export function DeletePolicyButton({ policy }: { policy: { id: number; name: string } }) {
  const t = useTranslations("replication");
  return (
    <ConfirmActionForm
      action={deleteReplicationPolicyAction}
      fields={{ policyId: policy.id }}
      triggerLabel={t("delete")}
      title={t("deleteTitle", { name: policy.name })}
      description={t("deleteDescription")}
      confirmLabel={t("deletePolicy")}
      pendingText={t("deleting")}
      success={t("deleted", { name: policy.name })}
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
