import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { clearRetentionPolicyAction, saveRetentionPolicyAction } from "@/app/(console)/projects/[projectId]/policy/actions";
import { ClearPolicyButton } from "@/app/(console)/projects/[projectId]/policy/clear-policy-button";
import { ExecutionStatus, formatTime } from "@/app/(console)/projects/[projectId]/policy/execution-status";
import { ImmutableRuleForm, ImmutableRuleItem, NamingPolicyForm, RetryExecutionButton, RunControls, StopExecutionButton } from "@/app/(console)/projects/[projectId]/policy/policy-forms";
import { RetentionPolicyForm } from "@/app/(console)/projects/[projectId]/policy/retention-form";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getProjectRetention } from "@/lib/services/retention/policies";
import { listRetentionExecutions } from "@/lib/services/retention/runs";
import { describeRule } from "@/lib/services/tag-policy/stored-rule";
import { getNamingPolicy, listImmutableRules } from "@/lib/services/tag-policy/rules";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata() {
  return { title: (await getTranslations("policy"))("title") };
}

/**
 * Retention and tag policies of a project. Every section asks its own service, which authorizes;
 * the controls for changes appear only with the permission to make them (an auditor reads all).
 */
export default async function PolicyPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const projectId = project.value.id;
  const can = new Set(project.value.viewerPermissions);
  const { page, pageSize } = ZConsolePaging.parse(await searchParams);
  const actor = await getActor();
  const [retention, executions, immutable, naming] = await Promise.all([
    attempt(() => getProjectRetention({ actor, projectId })),
    attempt(() => listRetentionExecutions({ actor, projectId, page: { page, pageSize } })),
    attempt(() => listImmutableRules({ actor, projectId })),
    attempt(() => getNamingPolicy({ actor, projectId })),
  ]);
  const canEditRetention = can.has("tag-retention:update");
  const canOperate = can.has("tag-retention:operate");
  const canManageImmutable = can.has("immutable-tag:create") && can.has("immutable-tag:update") && can.has("immutable-tag:delete");
  const base = `/projects/${projectId}/policy`;
  const t = await getTranslations("policy");

  return (
    <div className="space-y-8">
      <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="retention-heading">
        <h2 id="retention-heading" className="mb-2 text-lg font-semibold">
          {t("tagRetention")}
        </h2>
        {!retention.ok ? (
          <RefusalNotice error={retention.error} />
        ) : (
          <>
            <p className="mb-4 text-sm" data-testid="retention-in-force">
              {t(`source.${retention.value.inForce.source}`)}
              {retention.value.inForce.source === "system" && canEditRetention && t("savingGivesOwn")}
            </p>
            <RetentionPolicyForm
              action={saveRetentionPolicyAction}
              hidden={{ projectId }}
              // A project without its own policy starts from the default's rules, so it can adapt them.
              rules={retention.value.inForce.policy?.rules ?? []}
              schedule={retention.value.inForce.policy?.schedule ?? null}
              enabled={retention.value.inForce.policy?.enabled ?? true}
              readOnly={!canEditRetention}
            />
            {retention.value.own && can.has("tag-retention:delete") && (
              <div className="mt-3">
                <ClearPolicyButton action={clearRetentionPolicyAction} projectId={projectId} />
              </div>
            )}
            {canOperate && (
              <div className="mt-6 border-t border-slate-200 pt-4">
                <h3 className="mb-2 font-medium">{t("runInForce")}</h3>
                <RunControls projectId={projectId} />
              </div>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="executions-heading">
        <h2 id="executions-heading" className="mb-2 text-lg font-semibold">
          {t("executions")}
        </h2>
        {!executions.ok ? (
          <RefusalNotice error={executions.error} />
        ) : (
          <>
            <Table testId="retention-executions" columns={[t("col.execution"), t("col.kind"), t("col.trigger"), t("col.status"), t("col.started"), t("col.total"), t("col.retained"), t("col.removed"), t("col.deleted"), { label: t("col.actions"), srOnly: true }]}>
              {executions.value.rows.map((e) => (
                <tr key={e.id} data-testid={`execution-${e.id}`}>
                  <td className="px-4 py-2.5">
                    <Link prefetch={false} className="text-sky-800 hover:underline" href={`${base}/executions/${e.id}`}>
                      #{e.id}
                    </Link>
                  </td>
                  <td className="px-4 py-2.5">{e.dryRun ? t("dryRun") : t("realRun")}</td>
                  <td className="px-4 py-2.5 text-xs">{e.trigger}</td>
                  <td className="px-4 py-2.5">
                    <ExecutionStatus status={e.status} />
                  </td>
                  <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatTime(e.startedAt)}</td>
                  <td className="px-4 py-2.5">{e.counts.total}</td>
                  <td className="px-4 py-2.5">{e.counts.retained}</td>
                  <td className="px-4 py-2.5">{e.counts.removed}</td>
                  <td className="px-4 py-2.5">{e.dryRun ? "—" : e.counts.deleted}</td>
                  <td className="px-4 py-2.5">{canOperate && (e.status === "Running" || e.status === "Pending") && <StopExecutionButton projectId={projectId} executionId={e.id} />}
                    {canOperate && e.status === "Failed" && <RetryExecutionButton projectId={projectId} executionId={e.id} />}</td>
                </tr>
              ))}
              {executions.value.rows.length === 0 && <EmptyRow colSpan={10}>{t("noExecutions")}</EmptyRow>}
            </Table>
            <Pagination basePath={base} params={{}} page={page} pageSize={pageSize} total={executions.value.total} />
          </>
        )}
      </section>

      <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="immutable-heading">
        <h2 id="immutable-heading" className="mb-2 text-lg font-semibold">
          {t("immutableTags")}
        </h2>
        {!immutable.ok ? (
          <RefusalNotice error={immutable.error} />
        ) : (
          <>
            <p className="mb-3 text-sm text-slate-600">{t("immutableText")}</p>
            <ul className="mb-4 space-y-2" data-testid="immutable-rules">
              {immutable.value.map((rule) => (
                <ImmutableRuleItem key={rule.id} projectId={projectId} rule={{ id: rule.id, repositories: rule.repositories, tags: rule.tags, disabled: rule.disabled, description: describeRule(rule) }} canManage={canManageImmutable} />
              ))}
              {immutable.value.length === 0 && <li className="text-sm text-slate-600">{t("noImmutableRules")}</li>}
            </ul>
            {canManageImmutable && (
              <>
                <h3 className="mb-2 font-medium">{t("newImmutableRule")}</h3>
                <ImmutableRuleForm projectId={projectId} />
              </>
            )}
          </>
        )}
      </section>

      <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="naming-heading">
        <h2 id="naming-heading" className="mb-2 text-lg font-semibold">
          {t("namingPolicy")}
        </h2>
        {!naming.ok ? (
          <RefusalNotice error={naming.error} />
        ) : (
          <NamingPolicyForm projectId={projectId} pattern={naming.value?.pattern ?? ""} enabled={naming.value?.enabled ?? true} readOnly={!can.has("immutable-tag:update")} />
        )}
      </section>
    </div>
  );
}
