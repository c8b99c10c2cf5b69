import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { DeleteProjectForm, ProjectSettingsForm, PullPolicyForm } from "@/app/(console)/projects/[projectId]/configuration/configuration-forms";
import { getActor } from "@/lib/auth/session";
import { getProjectPullPolicy, getSystemCveAllowlist, type CveAllowlistView, type ProjectPullPolicyView } from "@/lib/services/pull-policy/allowlists";

export const generateMetadata = projectPageMetadata("Configuration");

export default async function ConfigurationPage({ params }: { params: Promise<{ projectId: string }> }) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const can = new Set(project.value.viewerPermissions);
  const p = project.value;
  const actor = await getActor();
  const [policy, systemList] = await Promise.all([getProjectPullPolicy({ actor, projectId: p.id }), getSystemCveAllowlist({ actor })]);
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

function listText(list: CveAllowlistView): string {
  if (list.cveIds.length === 0) return "empty";
  const expired = list.expiresAt !== null && list.expiresAt <= new Date();
  return `${list.cveIds.join(", ")}${list.expiresAt ? ` (${expired ? "expired" : "until"} ${list.expiresAt.toISOString().slice(0, 10)})` : ""}`;
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
