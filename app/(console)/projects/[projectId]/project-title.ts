import "server-only";
import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";

/**
 * "team-alpha · Repositories" (the root layout's template adds " · Wharf"), so each tab of each
 * project has its own title in the browser's tabs and history. loadProject is cached per request,
 * so the page's own load is not repeated. A missing (or hidden) project is "Not found", like the
 * page notFound() shows; another refusal keeps only the section name.
 */
export type ProjectSection = "summary" | "repositories" | "security" | "members" | "robots" | "configuration" | "policy" | "logs" | "storage" | "cache";

export async function projectTitle(rawId: string, section: ProjectSection | { text: string }): Promise<string> {
  const t = await getTranslations("project");
  const name = typeof section === "string" ? t(`tabs.${section}`) : section.text;
  const outcome = await loadProject(rawId);
  if (outcome.ok) return `${outcome.value.name} · ${name}`;
  return outcome.error.status === 404 ? t("notFoundTitle") : name;
}

/** A project tab page's generateMetadata. */
export function projectPageMetadata(section: ProjectSection) {
  return async ({ params }: { params: Promise<{ projectId: string }> }): Promise<Metadata> => ({
    title: await projectTitle((await params).projectId, section),
  });
}
