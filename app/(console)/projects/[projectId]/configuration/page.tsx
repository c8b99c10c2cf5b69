import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { DeleteProjectForm, ProjectSettingsForm } from "@/app/(console)/projects/[projectId]/configuration/configuration-forms";

export const generateMetadata = projectPageMetadata("Configuration");

export default async function ConfigurationPage({ params }: { params: Promise<{ projectId: string }> }) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const can = new Set(project.value.viewerPermissions);
  const p = project.value;
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
