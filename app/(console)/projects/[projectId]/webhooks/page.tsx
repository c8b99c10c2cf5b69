import Link from "next/link";
import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { projectTitle } from "@/app/(console)/projects/[projectId]/project-title";
import { WebhookForm, WebhookRowActions } from "@/app/(console)/projects/[projectId]/webhooks/webhook-forms";
import { Badge } from "@/components/ui/badge";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listWebhookDeliveries, listWebhookPolicies } from "@/lib/services/webhooks/policies";
import { isDatabaseId } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata({ params }: { params: Promise<{ projectId: string }> }): Promise<Metadata> {
  const t = await getTranslations("webhooks");
  return { title: await projectTitle((await params).projectId, { text: t("tab") }) };
}

const idParam = (value: string | string[] | undefined) => {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  return isDatabaseId(n) ? n : undefined;
};

const when = (d: Date | null, never: string) => (d ? d.toISOString().replace("T", " ").slice(0, 19) + " UTC" : never);

/**
 * A project's webhooks (Harbor's Webhooks tab): the policies with their target, events, state and
 * last trigger; create and edit (`?edit=<id>`); on/off, "Send test event" and delete per row; and
 * the delivery log of one policy (`?policy=<id>`) with each payload.
 */
export default async function WebhooksPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const t = await getTranslations("webhooks");
  const sp = await searchParams;
  const { page, pageSize } = ZConsolePaging.parse(sp);
  const actor = await getActor();
  const projectId = project.value.id;
  const outcome = await attempt(() => listWebhookPolicies({ actor, project: projectId, pageSize: 100 }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const can = new Set<string>(project.value.viewerPermissions);
  const canManage = can.has("notification-policy:update");
  const policies = outcome.value.rows;
  const editing = policies.find((p) => p.id === idParam(sp.edit));
  const selected = policies.find((p) => p.id === idParam(sp.policy));
  const log = selected ? await attempt(() => listWebhookDeliveries({ actor, project: projectId, policyId: selected.id, page, pageSize })) : null;
  const base = `/projects/${projectId}/webhooks`;
  const columns = [t("name"), t("target"), t("eventTypes"), t("state"), t("lastTrigger"), ...(canManage ? [{ label: t("actions"), srOnly: true }] : [])];
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-600">{t("intro")}</p>
      {canManage && (editing ? <WebhookForm key={`edit-${editing.id}`} projectId={projectId} policy={editing} /> : <WebhookForm key="new" projectId={projectId} />)}
      {editing && (
        <p className="text-sm">
          <Link href={base} prefetch={false} className="text-sky-800 hover:underline">
            {t("cancelEdit")}
          </Link>
        </p>
      )}
      <Table testId="webhooks-table" container columns={columns}>
        {policies.map((p) => (
          <tr key={p.id} className="border-t border-slate-100 align-top">
            <td className="px-3 py-2">
              <div className="font-medium">{p.name}</div>
              {p.description && <div className="text-xs text-slate-600">{p.description}</div>}
              <div className="mt-1 flex gap-3 text-xs">
                <Link href={`${base}?policy=${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {t("deliveries")}
                </Link>
                {canManage && (
                  <Link href={`${base}?edit=${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
                    {t("edit")}
                  </Link>
                )}
              </div>
            </td>
            <td className="max-w-xs px-3 py-2 text-sm">
              <Badge>{t(`targetTypes.${p.targetType}`)}</Badge>
              <div className="mt-1 break-all font-mono text-xs">{p.address}</div>
            </td>
            <td className="px-3 py-2 text-xs">{p.eventTypes.map((e) => t(`events.${e}`)).join(", ")}</td>
            <td className="px-3 py-2">{p.enabled ? <Badge tone="good">{t("enabled")}</Badge> : <Badge>{t("disabled")}</Badge>}</td>
            <td className="px-3 py-2 text-xs">{when(p.lastTriggeredAt, t("never"))}</td>
            {canManage && (
              <td className="px-3 py-2">
                <WebhookRowActions projectId={projectId} policy={{ id: p.id, name: p.name, enabled: p.enabled }} />
              </td>
            )}
          </tr>
        ))}
        {policies.length === 0 && <EmptyRow colSpan={columns.length}>{t("empty")}</EmptyRow>}
      </Table>
      {selected && log && (
        <section aria-labelledby="webhook-log-heading" className="space-y-3">
          <h2 id="webhook-log-heading" className="font-semibold">
            {t("logTitle", { name: selected.name })}
          </h2>
          {!log.ok ? (
            <RefusalNotice error={log.error} />
          ) : (
            <>
              <Table testId="webhook-deliveries" container columns={[t("logId"), t("eventType"), t("status"), t("responseCode"), t("duration"), t("attempts"), t("created"), t("payload")]}>
                {log.value.rows.map((d) => (
                  <tr key={d.id} className="border-t border-slate-100 align-top">
                    <td className="px-3 py-2 text-sm">
                      #{d.id}
                      {d.trigger === "test" && <span className="ml-1 text-xs text-slate-600">({t("test")})</span>}
                    </td>
                    <td className="px-3 py-2 text-xs">{t(`events.${d.eventType}`)}</td>
                    <td className="px-3 py-2">
                      <Badge tone={d.status === "success" ? "good" : d.status === "error" ? "bad" : "neutral"}>{t(`statuses.${d.status}`)}</Badge>
                      {d.lastError && <div className="mt-1 max-w-xs break-words text-xs text-red-700">{d.lastError}</div>}
                    </td>
                    <td className="px-3 py-2 text-sm">{d.responseCode ?? "—"}</td>
                    <td className="px-3 py-2 text-sm">{d.durationMs === null ? "—" : t("ms", { ms: d.durationMs })}</td>
                    <td className="px-3 py-2 text-sm">{d.attempts}</td>
                    <td className="px-3 py-2 text-xs">{when(d.createdAt, "")}</td>
                    <td className="px-3 py-2 text-xs">
                      <details>
                        <summary className="cursor-pointer text-sky-800">{t("showPayload")}</summary>
                        <pre className="mt-1 max-h-64 max-w-md overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2">{JSON.stringify(d.payload, null, 2)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
                {log.value.rows.length === 0 && <EmptyRow colSpan={8}>{t("logEmpty")}</EmptyRow>}
              </Table>
              <Pagination basePath={base} params={{ policy: String(selected.id) }} page={page} pageSize={pageSize} total={log.value.total} />
            </>
          )}
        </section>
      )}
    </div>
  );
}
