"use client";

import { useTranslations } from "next-intl";
import { useCallback, useRef } from "react";
import { deleteArtifactAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { flash } from "@/components/ui/flash";
import { RowMenu, type RowMenuItem } from "@/components/ui/row-menu";

function copyToClipboard(text: string, byHand: string, copied: string): void {
  const done = navigator.clipboard?.writeText(text);
  // Without a secure context there is no clipboard API: the text is shown to copy by hand.
  if (!done) {
    flash(byHand);
    return;
  }
  done.then(
    () => flash(copied),
    () => flash(byHand),
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
  const t = useTranslations("artifacts");
  const copy = (text: string, what: "PullCommand" | "Digest") =>
    copyToClipboard(text, t("copyByHand", { what: t(`what${what}`), text }), t("copiedWhat", { what: t(`what${what}Cap`) }));
  const items: RowMenuItem[] = [
    { kind: "action", label: t("copyDocker"), detail: `docker pull ${reference}`, onSelect: () => copy(`docker pull ${reference}`, "PullCommand") },
    { kind: "action", label: t("copyPodman"), detail: `podman pull ${reference}`, onSelect: () => copy(`podman pull ${reference}`, "PullCommand") },
    { kind: "action", label: t("copyDigest"), detail: digest, onSelect: () => copy(digest, "Digest") },
    ...(canCopy ? [{ kind: "link" as const, label: t("copyToProject"), detail: t("copyToProjectDetail"), href: `${artifactHref}?copy=1` }] : []),
    ...(canDelete ? [{ kind: "action" as const, label: t("deleteArtifactMenu"), tone: "danger" as const, onSelect: confirmDelete }] : []),
  ];
  return (
    <>
      <RowMenu label={t("rowActions", { name: shortName })} items={items} testId={`actions-${digest}`} />
      {canDelete && (
        <ConfirmActionForm
          action={deleteArtifactAction}
          fields={{ projectId, repository, digest }}
          triggerLabel={t("deleteArtifact")}
          title={deleteText}
          confirmLabel={t("deleteArtifact")}
          pendingText={t("deleting")}
          success={t("artifactDeleted")}
          openRef={openDelete}
        />
      )}
    </>
  );
}
