import { getTranslations } from "next-intl/server";
import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { DeleteProjectForm, ProjectIpAllowlistForm, ProjectSettingsForm, PullPolicyForm } from "@/app/(console)/projects/[projectId]/configuration/configuration-forms";
import { ProjectScannerForm } from "@/app/(console)/projects/[projectId]/configuration/scanner-form";
import { getActor } from "@/lib/auth/session";
import type { Actor } from "@/lib/auth/actor";
import { getProjectScanner, listProjectScannerCandidates } from "@/lib/services/scan/scanners";
import { getProjectPullPolicy, getSystemCveAllowlist, type CveAllowlistView, type ProjectPullPolicyView } from "@/lib/services/pull-policy/allowlists";
import { formatDate } from "@/lib/format/datetime";
import { StorageLimitForm } from "@/components/quota/storage-limit-form";
import { UsageBar } from "@/components/quota/usage-bar";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { storageLimitFormValue } from "@/lib/validation/quotas";

export const generateMetadata = projectPageMetadata("configuration");

export default async function ConfigurationPage({ params }: { params: Promise<{ projectId: string }> }) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const can = new Set(project.value.viewerPermissions);
  const p = project.value;
  const actor = await getActor();
  const [policy, systemList] = await Promise.all([getProjectPullPolicy({ actor, projectId: p.id }), getSystemCveAllowlist({ actor })]);
  const t = await getTranslations("configuration");
  const tq = await getTranslations("quota");
  return (
    <div className="max-w-2xl space-y-6">
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="access-heading">
        <h2 id="access-heading" className="mb-4 font-semibold">{t("accessHeading")}</h2>
        {can.has("project:update") ? (
          <ProjectSettingsForm projectId={p.id} isPublic={p.isPublic} autoScan={p.autoScan} />
        ) : (
          <div className="space-y-1 text-sm">
            <p>{p.isPublic ? t("publicSummary") : t("privateSummary")}</p>
            <p>{p.autoScan ? t("autoScanOn") : t("autoScanOff")}</p>
          </div>
        )}
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="quota-heading">
        <h2 id="quota-heading" className="mb-1 font-semibold">{tq("heading")}</h2>
        <p className="mb-4 text-sm text-slate-600">{tq("description")}</p>
        <div className="mb-4">
          <UsageBar used={p.storageUsed} limit={p.storageLimit} name={p.name} />
        </div>
        {hasSystemPermission(actor, "quota.update") ? <StorageLimitForm projectId={p.id} value={storageLimitFormValue(p.storageLimit)} /> : <p className="text-sm text-slate-600">{tq("adminsSet")}</p>}
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="scanner-heading">
        <h2 id="scanner-heading" className="mb-1 font-semibold">{t("scannerHeading")}</h2>
        <p className="mb-4 text-sm text-slate-600">{t("scannerText")}</p>
        <ProjectScannerSection actor={actor} projectId={p.id} canChange={can.has("scanner:create")} />
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="pull-policy-heading">
        <h2 id="pull-policy-heading" className="mb-1 font-semibold">{t("pullPolicyHeading")}</h2>
        <p className="mb-4 text-sm text-slate-600">{t("pullPolicyText")}</p>
        {can.has("project:update") ? <PullPolicyForm projectId={p.id} policy={policy} /> : <PullPolicySummary policy={policy} systemList={systemList} t={t} />}
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="project-ip-allowlist-heading">
        <h2 id="project-ip-allowlist-heading" className="mb-1 font-semibold">{t("ipAllowlistHeading")}</h2>
        <p className="mb-4 text-sm text-slate-600">{t("ipAllowlistText")}</p>
        {can.has("project:update") ? (
          <ProjectIpAllowlistForm projectId={p.id} entries={p.ipAllowlist} ownAddress={actor.client.ip} />
        ) : (
          <p className="text-sm" data-testid="project-ip-allowlist-summary">
            {p.ipAllowlist.length === 0 ? t("ipAllowlistNone") : t("ipAllowlistSummary", { entries: p.ipAllowlist.join(", ") })}
          </p>
        )}
      </section>
      {can.has("project:delete") && (
        <section className="rounded-lg border border-red-200 bg-white p-6" aria-labelledby="delete-heading">
          <h2 id="delete-heading" className="mb-2 font-semibold text-red-800">{t("deleteHeading")}</h2>
          <p className="mb-4 text-sm text-slate-600">{t("deleteText")}</p>
          <DeleteProjectForm projectId={p.id} projectName={p.name} />
        </section>
      )}
    </div>
  );
}

/** The form for those who may change the project's scanner; the choice in words for the others. */
async function ProjectScannerSection({ actor, projectId, canChange }: { actor: Actor; projectId: number; canChange: boolean }) {
  const choice = await getProjectScanner({ actor, projectId });
  const name = choice.scanner?.name ?? null;
  const disabledChoice = choice.own && choice.scanner?.disabled ? choice.scanner : null;
  const t = await getTranslations("configuration");
  if (!canChange) {
    return (
      <p className="text-sm" data-testid="project-scanner-summary">
        {name === null ? t("noScanner") : choice.own ? t("scannedWith", { name }) : t("scannedWithDefault", { name })}
        {disabledChoice && t("scannerDisabled")}
      </p>
    );
  }
  const candidates = await listProjectScannerCandidates({ actor, projectId, query: { page: 1, pageSize: 100 } });
  const options = candidates.rows.map((s) => ({ id: s.id, name: s.name, isDefault: s.isDefault }));
  // Shown so the select says what is stored; saving it again is refused at the field (disabled).
  if (disabledChoice) options.push({ id: disabledChoice.id, name: t("disabledOption", { name: disabledChoice.name }), isDefault: false });
  // Without a choice of its own, the project's scanner is the default.
  const defaultName = choice.own ? (candidates.rows.find((s) => s.isDefault)?.name ?? null) : name;
  return <ProjectScannerForm projectId={projectId} chosenId={choice.own ? (choice.scanner?.id ?? null) : null} candidates={options} defaultName={defaultName} />;
}

type Translate = Awaited<ReturnType<typeof getTranslations<"configuration">>>;

function listText(list: CveAllowlistView, t: Translate): string {
  if (list.cveIds.length === 0) return t("listEmpty");
  const ids = list.cveIds.join(", ");
  if (!list.expiresAt) return ids;
  const expired = list.expiresAt <= new Date();
  return t(expired ? "listExpired" : "listUntil", { ids, date: formatDate(list.expiresAt) });
}

/** The policy in words, for members who may read but not change it. */
function PullPolicySummary({ policy, systemList, t }: { policy: ProjectPullPolicyView; systemList: CveAllowlistView; t: Translate }) {
  return (
    <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="pull-policy-summary">
      <li>
        {policy.preventVulnerable
          ? t("preventVulnerable", { severity: t(`severity.${policy.vulnerabilitySeverity}`) })
          : t("vulnerableAllowed")}
      </li>
      <li>{policy.refuseUnscanned ? t("unscannedRefused") : t("unscannedAllowed")}</li>
      <li>{policy.requireSignature ? t("signedOnly") : t("unsignedAllowed")}</li>
      <li>
        {policy.reuseSystemCveAllowlist ? t("systemAllowlist", { list: listText(systemList, t) }) : t("ownAllowlist", { list: listText(policy.cveAllowlist, t) })}
      </li>
    </ul>
  );
}
