import { getTranslations } from "next-intl/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { projectTitle } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { ArtifactDetailView } from "@/app/(console)/projects/[projectId]/repositories/[...path]/artifact-detail-view";
import { ArtifactsView } from "@/app/(console)/projects/[projectId]/repositories/[...path]/artifacts-view";
import { ZReference, ZRepositoryName } from "@/lib/validation/repositories";

export async function generateMetadata({ params }: Pick<Props, "params">): Promise<Metadata> {
  const { projectId, path } = await params;
  const dash = path.indexOf("-");
  const name = (dash < 0 ? path : path.slice(0, dash)).map((s) => decodeURIComponent(s)).join("/");
  return { title: await projectTitle(projectId, { text: `${name} · ${(await getTranslations("project"))(dash < 0 ? "repository" : "artifact")}` }) };
}

type Props = {
  params: Promise<{ projectId: string; path: string[] }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/**
 * `/repositories/<path…>` is a repository's artifacts; `/repositories/<path…>/-/artifacts/<ref>`
 * is one artifact. Repository names may contain slashes, hence the catch-all; `-` cannot be a name
 * segment (see format.ts), so the split is unambiguous.
 */
export default async function RepositoryRoute({ params, searchParams }: Props) {
  const { projectId, path } = await params;
  const project = await loadProject(projectId);
  if (!project.ok) return null; // the layout shows the refusal
  const segments = path.map((s) => decodeURIComponent(s));
  const dash = segments.indexOf("-");
  const repoSegments = dash < 0 ? segments : segments.slice(0, dash);
  const repository = ZRepositoryName.safeParse(`${project.value.name}/${repoSegments.join("/")}`);
  if (!repository.success || repoSegments.length === 0) notFound();
  if (dash < 0) return <ArtifactsView project={project.value} repository={repository.data} searchParams={await searchParams} />;
  const rest = segments.slice(dash + 1);
  const reference = ZReference.safeParse(rest[1]);
  if (rest.length !== 2 || rest[0] !== "artifacts" || !reference.success) notFound();
  return <ArtifactDetailView project={project.value} repository={repository.data} reference={reference.data} searchParams={await searchParams} />;
}
