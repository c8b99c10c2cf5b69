"use client";

import { useTranslations } from "next-intl";
import { lazy, Suspense, useState } from "react";

/** The form is fetched when the section is first opened: most visits never open it. */
const ImportArchiveBody = lazy(() => import("@/components/artifact-archive/import-form-body"));

/** The repository page's Import section (import-form-body.tsx holds the form). */
export function ImportArchiveForm({ action }: { action: string }) {
  const t = useTranslations("artifactArchive");
  const [opened, setOpened] = useState(false);
  return (
    <details className="mb-4 rounded-lg border border-slate-200 bg-white p-3" data-testid="import-archive" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary className="cursor-pointer text-sm font-semibold">{t("importTitle")}</summary>
      {opened && (
        <Suspense fallback={null}>
          <ImportArchiveBody action={action} />
        </Suspense>
      )}
    </details>
  );
}
