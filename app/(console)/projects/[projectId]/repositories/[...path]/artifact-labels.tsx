"use client";

import { type ComponentProps, lazy, Suspense } from "react";

export type { PickerLabel } from "@/app/(console)/projects/[projectId]/repositories/[...path]/artifact-labels-editor";

const ArtifactLabelsPart = lazy(() => import("@/app/(console)/projects/[projectId]/repositories/[...path]/artifact-labels-editor").then((m) => ({ default: m.ArtifactLabels })));

/** Rendered on the server with the page; its JavaScript is its own chunk, hydrated once it arrives. */
export function ArtifactLabels(props: ComponentProps<typeof ArtifactLabelsPart>) {
  return (
    <Suspense fallback={null}>
      <ArtifactLabelsPart {...props} />
    </Suspense>
  );
}
