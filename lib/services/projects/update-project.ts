import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import type { TUpdateProject } from "@/lib/validation/projects";

/**
 * Changes a project's settings: public or private, and scan on push (Harbor's `auto_scan`). A
 * setting left out stays as it is; the name never changes. One `project.update` row names what
 * changed (before and after); nothing changed, nothing is written.
 */
export async function updateProject({ actor, input }: { actor: Actor; input: TUpdateProject }): Promise<void> {
  const ref = await findProjectRef(input.projectId);
  await assertProjectPermission(actor, ref, "project:update");
  await db.$transaction(async (tx) => {
    const current = await tx.project.findUniqueOrThrow({ where: { id: ref.id }, select: { isPublic: true, autoScan: true } });
    const before: { public?: boolean; auto_scan?: boolean } = {};
    const after: { public?: boolean; auto_scan?: boolean } = {};
    if (input.isPublic !== undefined && input.isPublic !== current.isPublic) {
      before.public = current.isPublic;
      after.public = input.isPublic;
    }
    if (input.autoScan !== undefined && input.autoScan !== current.autoScan) {
      before.auto_scan = current.autoScan;
      after.auto_scan = input.autoScan;
    }
    if (Object.keys(after).length === 0) return;
    await tx.project.update({
      where: { id: ref.id },
      data: { ...(after.public === undefined ? {} : { isPublic: after.public }), ...(after.auto_scan === undefined ? {} : { autoScan: after.auto_scan }) },
      select: { id: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "project.update",
      resource: { type: "project", id: ref.id, name: ref.name },
      projectId: ref.id,
      detail: { before, after },
    });
    // Visibility decides anonymous and non-member pulls: tokens issued before follow at their next request.
    if (after.public !== undefined) await bumpGrantVersion(tx);
  });
}
