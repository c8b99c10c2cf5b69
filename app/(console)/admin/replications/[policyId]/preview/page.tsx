import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { ReplicateNowButton } from "@/app/(console)/admin/replications/controls";
import { loadPolicy } from "@/app/(console)/admin/replications/load-policy";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { getActor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { previewReplicationPolicy } from "@/lib/services/replication/preview";
import type { PlannedArtifact } from "@/lib/services/replication/plan";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("previewMetaTitle") };
}
// The preview asks the registries now: never a cached answer.
export const dynamic = "force-dynamic";

const OPERATION_TONE = { copy: "info", skip: "neutral", delete: "bad" } as const;

type Preview = { ok: true; plan: PlannedArtifact[] } | { ok: false; refusal: AppError } | { ok: false; unreachable: string };

/** The dry run's service call: a refusal as a notice, an endpoint that does not answer as its message. */
async function preview(actor: Awaited<ReturnType<typeof getActor>>, policyId: number): Promise<Preview> {
  try {
    return { ok: true, plan: await previewReplicationPolicy({ actor, policyId }) };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, refusal: err };
    if (err instanceof RegistryUnavailableError || err instanceof RegistryError) return { ok: false, unreachable: err.message };
    throw err;
  }
}

/**
 * The dry run (Harbor #4096): exactly what a run started now would do, artifact by artifact, with
 * the reason, and nothing changed; then Replicate now. Administrators only: it connects to the
 * endpoint with its stored credentials.
 */
export default async function ReplicationPreviewPage({ params }: { params: Promise<{ policyId: string }> }) {
  const actor = await getActor();
  const policy = await loadPolicy(actor, (await params).policyId);
  if (!policy.ok) return <RefusalNotice error={policy.error} />;
  const p = policy.value;
  const result = await preview(actor, p.id);
  if (!result.ok && "refusal" in result) return <RefusalNotice error={result.refusal} />;
  const plan = result.ok ? result.plan : [];
  const count = (op: string) => plan.filter((a) => a.operation === op).length;
  const t = await getTranslations("replication");

  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link href={`/admin/replications/${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
          ← {p.name}
        </Link>
      </p>
      <PageHeader
        title={t("previewTitle", { name: p.name })}
        description={p.direction === "push" ? t("previewPush", { endpoint: p.endpoint.name }) : t("previewPull", { endpoint: p.endpoint.name })}
        actions={result.ok && p.enabled ? <ReplicateNowButton policyId={p.id} /> : undefined}
      />
      {!result.ok && "unreachable" in result && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="preview-error">
          {t("previewError", { message: result.unreachable })}
        </p>
      )}
      {!p.enabled && <p className="text-sm text-slate-600">{t("policyDisabled")}</p>}
      {result.ok && (
        <p className="text-sm" data-testid="preview-summary">
          {t("previewSummary", { count: plan.length, copy: count("copy"), skip: count("skip"), delete: count("delete") })}
        </p>
      )}
      <Table testId="replication-preview" container columns={[t("col.artifact"), t("col.tags"), t("col.destination"), t("col.operation"), t("col.why")]}>
        {plan.map((a) => (
          <tr key={`${a.srcRepository}@${a.digest}`} className="align-top" data-testid={`preview-${a.srcRepository}-${a.tags[0] ?? a.digest.slice(7, 19)}`}>
            <td className="px-4 py-2.5 font-mono text-xs">
              {a.srcRepository}
              <span className="block text-slate-500" title={a.digest}>
                {a.digest.slice(0, 19)}
              </span>
            </td>
            <td className="px-4 py-2.5 font-mono text-xs">{a.tags.length ? a.tags.join(", ") : <em>{t("untagged")}</em>}</td>
            <td className="px-4 py-2.5 font-mono text-xs">{a.dstRepository}</td>
            <td className="px-4 py-2.5">
              <Badge tone={OPERATION_TONE[a.operation]}>{t(`operation.${a.operation}`)}</Badge>
              {a.resourceType !== "image" && <span className="block text-xs text-slate-500">{a.resourceType}</span>}
            </td>
            <td className="px-4 py-2.5 text-sm">{a.reason}</td>
          </tr>
        ))}
        {result.ok && plan.length === 0 && <EmptyRow colSpan={5}>{t("previewEmpty")}</EmptyRow>}
      </Table>
    </div>
  );
}
