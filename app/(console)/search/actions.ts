"use server";

import { repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { type PollResult, pollResult } from "@/lib/actions/poll";
import { getTranslations } from "next-intl/server";
import { getActor } from "@/lib/auth/session";
import { search } from "@/lib/services/search/search";

/** How many of each kind the header lists; the rest are on /search. (Not exported: a "use server" file exports async functions only.) */
const SUGGESTION_LIMIT = 8;

export type Suggestion = { key: string; label: string; detail: string; href: string };
export type Suggestions = { q: string; projects: Suggestion[]; repositories: Suggestion[] };

/**
 * The header search's suggestions. Thin: the search service decides what the actor may see; this
 * only shapes the answer for the browser (plain strings, no bigint, the link already built).
 */
export async function searchSuggestionsAction(q: unknown): Promise<PollResult<Suggestions>> {
  // Anything but a string is a forged call: refused, not searched. 255 is the longest name there is.
  if (typeof q !== "string") return { ok: false, message: "Invalid request." };
  return pollResult(async () => {
    const text = q.trim().slice(0, 255);
    const actor = await getActor();
    const found = await search({ actor, q: text, limit: SUGGESTION_LIMIT });
    const t = await getTranslations("search.suggestion");
    return {
      q: text,
      projects: found.projects.map((p) => ({
        key: `p-${p.id}`,
        label: p.name,
        detail: p.isPublic ? t("publicProject") : t("privateProject"),
        href: `/projects/${p.id}`,
      })),
      repositories: found.repositories.map((r) => ({
        key: `r-${r.projectId}-${r.name}`,
        label: r.name,
        detail: t("artifacts", { count: r.artifactCount }),
        href: repositoryHref(r.projectId, r.name),
      })),
    };
  });
}
