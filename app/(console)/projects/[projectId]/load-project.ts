import "server-only";
import { cache } from "react";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getProject } from "@/lib/services/projects/get-project";
import { ZId } from "@/lib/validation/common";
import { NotFoundError } from "@/lib/errors";

/** The project of the current route, loaded once per request for the layout and the tab page. */
export const loadProject = cache(async (rawId: string) => {
  const id = ZId.safeParse(rawId);
  if (!id.success) return { ok: false as const, error: new NotFoundError("There is no such project.") };
  const actor = await getActor();
  return attempt(() => getProject({ actor, project: id.data }));
});

/** Props every project tab page receives. */
export type ProjectTabPageProps = {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};
