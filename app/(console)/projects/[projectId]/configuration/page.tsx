import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { DeleteProjectForm, ProjectSettingsForm, PullPolicyForm } from "@/app/(console)/projects/[projectId]/configuration/configuration-forms";
import { ProjectScannerForm } from "@/app/(console)/projects/[projectId]/configuration/scanner-form";
import { getActor } from "@/lib/auth/session";
import type { Actor } from "@/lib/auth/actor";
import { getProjectScanner, listProjectScannerCandidates } from "@/lib/services/scan/scanners";
import { getProjectPullPolicy, getSystemCveAllowlist, type CveAllowlistView, type ProjectPullPolicyView } from "@/lib/services/pull-policy/allowlists";
import { formatDate } from "@/lib/format/datetime";
import { getTranslations } from "next-intl/server";
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
  const tq = await getTranslations("quota");
  return (
    <div className="max-w-2xl space-y-6">
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="access-heading">
        <h2 id="access-heading" className="mb-4 font-semibold">Access level and scanning</h2>
        {can.has("project:update") ? (
          <ProjectSettingsForm projectId={p.id} isPublic={p.isPublic} autoScan={p.autoScan} />
        ) : (
          <div className="space-y-1 text-sm">
            <p>{p.isPublic ? "Public: anyone can pull." : "Private: members only."}</p>
            <p>{p.autoScan ? "Images are scanned automatically on push." : "Images are not scanned automatically on push."}</p>
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
        <h2 id="scanner-heading" className="mb-1 font-semibold">Scanner</h2>
        <p className="mb-4 text-sm text-slate-600">The scanner this project&apos;s images are scanned with (on push, and when a scan is started).</p>
        <ProjectScannerSection actor={actor} projectId={p.id} canChange={can.has("scanner:create")} />
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="pull-policy-heading">
        <h2 id="pull-policy-heading" className="mb-1 font-semibold">Pull policy</h2>
        <p className="mb-4 text-sm text-slate-600">What the registry refuses to serve from this project, checked on every pull.</p>
        {can.has("project:update") ? <PullPolicyForm projectId={p.id} policy={policy} /> : <PullPolicySummary policy={policy} systemList={systemList} />}
      </section>
      {can.has("project:delete") && (
        <section className="rounded-lg border border-red-200 bg-white p-6" aria-labelledby="delete-heading">
          <h2 id="delete-heading" className="mb-2 font-semibold text-red-800">Delete project</h2>
          <p className="mb-4 text-sm text-slate-600">
            Only an empty project can be deleted. Its members and robot accounts are deleted with it.
          </p>
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
  if (!canChange) {
    return (
      <p className="text-sm" data-testid="project-scanner-summary">
        {name === null ? "No scanner: none is chosen and no scanner is the default." : choice.own ? `Scanned with ${name}.` : `Scanned with the system default (${name}).`}
        {disabledChoice && " It is disabled: scans use the default meanwhile."}
      </p>
    );
  }
  const candidates = await listProjectScannerCandidates({ actor, projectId, query: { page: 1, pageSize: 100 } });
  const options = candidates.rows.map((s) => ({ id: s.id, name: s.name, isDefault: s.isDefault }));
  // Shown so the select says what is stored; saving it again is refused at the field (disabled).
  if (disabledChoice) options.push({ id: disabledChoice.id, name: `${disabledChoice.name} (disabled)`, isDefault: false });
  // Without a choice of its own, the project's scanner is the default.
  const defaultName = choice.own ? (candidates.rows.find((s) => s.isDefault)?.name ?? null) : name;
  return <ProjectScannerForm projectId={projectId} chosenId={choice.own ? (choice.scanner?.id ?? null) : null} candidates={options} defaultName={defaultName} />;
}

function listText(list: CveAllowlistView): string {
  if (list.cveIds.length === 0) return "empty";
  const expired = list.expiresAt !== null && list.expiresAt <= new Date();
  return `${list.cveIds.join(", ")}${list.expiresAt ? ` (${expired ? "expired" : "until"} ${formatDate(list.expiresAt)})` : ""}`;
}

/** The policy in words, for members who may read but not change it. */
function PullPolicySummary({ policy, systemList }: { policy: ProjectPullPolicyView; systemList: CveAllowlistView }) {
  return (
    <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="pull-policy-summary">
      <li>
        {policy.preventVulnerable
          ? `Images with vulnerabilities of severity ${policy.vulnerabilitySeverity} or higher cannot be pulled.`
          : "Vulnerable images can be pulled."}
      </li>
      <li>{policy.refuseUnscanned ? "Unscanned images cannot be pulled." : "Unscanned images can be pulled."}</li>
      <li>{policy.requireSignature ? "Only signed images can be pulled." : "Unsigned images can be pulled."}</li>
      <li>
        {policy.reuseSystemCveAllowlist ? `CVE allowlist: the system's (${listText(systemList)}).` : `CVE allowlist: the project's own (${listText(policy.cveAllowlist)}).`}
      </li>
    </ul>
  );
}
