"use client";

import { useTranslations } from "next-intl";
import { lazy, Suspense, useState } from "react";

/** The form is fetched when the menu is first opened: most visits never download. */
const DownloadMenuForm = lazy(() => import("@/components/artifact-archive/download-menu-form"));

/**
 * The artifact page's Download menu: a GET form to the REST download route (the session cookie
 * authenticates it; the answer is an attachment, so the page stays). An index offers its
 * platforms; a docker-archive of an index needs one, which the form requires.
 */
export function ArtifactDownloadMenu({ href, platforms, isIndex }: { href: string; platforms: string[]; isIndex: boolean }) {
  const t = useTranslations("artifactArchive");
  const [opened, setOpened] = useState(false);
  return (
    <details className="relative" data-testid="artifact-download" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary className="cursor-pointer rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium">{t("download")}</summary>
      {opened && (
        <Suspense fallback={null}>
          <DownloadMenuForm href={href} platforms={platforms} isIndex={isIndex} />
        </Suspense>
      )}
    </details>
  );
}
