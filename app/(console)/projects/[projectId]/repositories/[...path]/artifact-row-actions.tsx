"use client";

import { useCallback, useRef } from "react";
import { deleteArtifactAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { flash } from "@/components/ui/flash";
import { RowMenu, type RowMenuItem } from "@/components/ui/row-menu";

function copyToClipboard(text: string, what: string): void {
  const done = navigator.clipboard?.writeText(text);
  // Without a secure context there is no clipboard API: the text is shown to copy by hand.
  if (!done) {
    flash(`Copy the ${what} by hand: ${text}`);
    return;
  }
  done.then(
    () => flash(`${what[0]!.toUpperCase()}${what.slice(1)} copied.`),
    () => flash(`Copy the ${what} by hand: ${text}`),
  );
}

/**
 * One artifact row's actions in a row menu: copy a pull command (docker, podman) or the digest,
 * copy the artifact to another project (on its page, where the form is), delete it (the shared
 * confirmation dialog naming what goes). The server actions check permissions again.
 */
export function ArtifactRowActions({
  projectId,
  repository,
  digest,
  shortName,
  host,
  artifactHref,
  canCopy,
  canDelete,
  deleteText,
}: {
  projectId: number;
  repository: string;
  digest: string;
  /** e.g. `sha256:0123456789ab`, naming the row for screen readers. */
  shortName: string;
  host: string;
  artifactHref: string;
  canCopy: boolean;
  canDelete: boolean;
  /** The confirmation's title: what the delete removes (tags included). */
  deleteText: string;
}) {
  const openDelete = useRef<(() => void) | null>(null);
  const confirmDelete = useCallback(() => openDelete.current?.(), []);
  const reference = `${host}/${repository}@${digest}`;
  const items: RowMenuItem[] = [
    { kind: "action", label: "Copy docker pull command", detail: `docker pull ${reference}`, onSelect: () => copyToClipboard(`docker pull ${reference}`, "pull command") },
    { kind: "action", label: "Copy podman pull command", detail: `podman pull ${reference}`, onSelect: () => copyToClipboard(`podman pull ${reference}`, "pull command") },
    { kind: "action", label: "Copy digest", detail: digest, onSelect: () => copyToClipboard(digest, "digest") },
    ...(canCopy ? [{ kind: "link" as const, label: "Copy to another project…", detail: "with its signatures and SBOMs", href: `${artifactHref}?copy=1` }] : []),
    ...(canDelete ? [{ kind: "action" as const, label: "Delete artifact…", tone: "danger" as const, onSelect: confirmDelete }] : []),
  ];
  return (
    <>
      <RowMenu label={`Actions for ${shortName}`} items={items} testId={`actions-${digest}`} />
      {canDelete && (
        <ConfirmActionForm
          action={deleteArtifactAction}
          fields={{ projectId, repository, digest }}
          triggerLabel="Delete artifact"
          title={deleteText}
          confirmLabel="Delete artifact"
          pendingText="Deleting…"
          success="Artifact deleted."
          openRef={openDelete}
        />
      )}
    </>
  );
}
