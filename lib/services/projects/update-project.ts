import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import type { TUpdateProject } from "@/lib/validation/projects";

/** Changes a project's settings (for now: public or private). The name never changes. */
export async function updateProject({ actor, input }: { actor: Actor; input: TUpdateProject }): Promise<void> {
  const ref = await findProjectRef(input.projectId);
  await assertProjectPermission(actor, ref, "project:update");
  if (ref.isPublic === input.isPublic) return;
  await db.$transaction(async (tx) => {
    await tx.project.update({ where: { id: ref.id }, data: { isPublic: input.isPublic }, select: { id: true } });
    await recordAuditEvent(tx, {
      actor,
      action: "project.update",
      resource: { type: "project", id: ref.id, name: ref.name },
      projectId: ref.id,
      detail: { before: { public: ref.isPublic }, after: { public: input.isPublic } },
    });
    // Visibility decides anonymous and non-member pulls: tokens issued before follow at their next request.
    await bumpGrantVersion(tx);
  });
}
