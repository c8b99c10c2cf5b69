"use client";

import { useTranslations } from "next-intl";
import { lazy, Suspense, useState } from "react";
import { useHydrated } from "@/components/live/use-hydrated";
import { Button } from "@/components/ui/button";

export type CopyArtifactFormProps = {
  /** `<project>/<repository>@<digest>` of the artifact shown. */
  from: string;
  targets: { id: number; name: string }[];
  defaultProject: string;
  defaultRepository: string;
  defaultTag: string;
  /** Open on arrival (the artifact list's "Copy to another project…" links here with ?copy=1). */
  initiallyOpen?: boolean;
  /** How many accessories the artifact has (they are copied with it). */
  accessoryCount?: number;
};

/** The form is fetched when first opened (or once the page is interactive when it opens with it). */
const CopyArtifactDialog = lazy(() => import("@/app/(console)/projects/[projectId]/repositories/[...path]/copy-artifact-dialog"));

/**
 * Harbor's "Copy" on an artifact: a target project (only those where the viewer may create
 * artifacts are offered), a repository name (new or existing) and an optional tag. The server
 * action checks both permissions again whatever this form offered. As in Harbor 2.8+, the copy
 * carries the artifact's accessories (signatures, SBOMs, attestations) along; the form says so.
 */
export function CopyArtifactForm({ initiallyOpen = false, ...props }: CopyArtifactFormProps) {
  const [open, setOpen] = useState(initiallyOpen);
  // Once opened it stays mounted (hidden when closed): the choices and the answer survive a close.
  const [opened, setOpened] = useState(initiallyOpen);
  const t = useTranslations("artifacts");
  const hydrated = useHydrated();
  return (
    <>
      {!open && (
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            setOpen(true);
            setOpened(true);
          }}
        >
          {t("copyOpen")}
        </Button>
      )}
      {opened && hydrated && (
        <Suspense fallback={null}>
          <CopyArtifactDialog {...props} hidden={!open} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
