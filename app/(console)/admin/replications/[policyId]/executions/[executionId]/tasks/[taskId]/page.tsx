import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { getReplicationExecution, getReplicationTaskLog } from "@/lib/services/replication/runs";
import { ZId } from "@/lib/validation/common";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("taskLogMetaTitle") };
}

/** One task's log: the plan's reason, each copy attempt, and the error of a failure. */
export default async function ReplicationTaskLogPage({ params }: { params: Promise<{ policyId: string; executionId: string; taskId: string }> }) {
  const raw = await params;
  const [policyId, executionId, taskId] = [ZId.safeParse(raw.policyId), ZId.safeParse(raw.executionId), ZId.safeParse(raw.taskId)];
  const missing = new NotFoundError("There is no such replication task.");
  if (!policyId.success || !executionId.success || !taskId.success) return <RefusalNotice error={missing} />;
  const actor = await getActor();
  const [execution, log] = await Promise.all([
    attempt(() => getReplicationExecution({ actor, executionId: executionId.data })),
    attempt(() => getReplicationTaskLog({ actor, executionId: executionId.data, taskId: taskId.data })),
  ]);
  if (!execution.ok) return <RefusalNotice error={execution.error} />;
  if (!log.ok) return <RefusalNotice error={log.error} />;
  if (execution.value.policyId !== policyId.data) return <RefusalNotice error={missing} />;
  const back = `/admin/replications/${policyId.data}/executions/${executionId.data}`;
  const t = await getTranslations("replication");
  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link prefetch={false} href={back} className="text-sky-800 hover:underline">
          {t("backToExecution", { id: executionId.data })}
        </Link>
      </p>
      <h1 className="text-2xl font-semibold text-slate-900">{t("taskLogHeading", { id: taskId.data })}</h1>
      {log.value ? (
        <pre tabIndex={0} aria-label={t("logOf", { id: taskId.data })} className="max-h-[70vh] overflow-auto rounded-lg border border-slate-200 bg-slate-50 p-3 text-xs whitespace-pre-wrap" data-testid="task-log">
          {log.value}
        </pre>
      ) : (
        <p className="text-sm text-slate-600">{t("nothingLogged")}</p>
      )}
    </div>
  );
}
