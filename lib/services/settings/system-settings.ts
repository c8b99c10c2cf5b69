import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { type TUpdateSystemSettings, ZProjectCreationRestriction } from "@/lib/validation/projects";

export type SystemSettings = { projectCreationRestriction: "everyone" | "adminonly" };

/** Harbor's defaults. */
const DEFAULTS: SystemSettings = { projectCreationRestriction: "everyone" };

/** Settings as stored, with defaults; unreadable stored values fall back to the default. */
export async function readSystemSettings(): Promise<SystemSettings> {
  const row = await db.systemSetting.findUnique({ where: { key: "project_creation_restriction" } });
  const parsed = ZProjectCreationRestriction.safeParse(row?.value);
  return { projectCreationRestriction: parsed.success ? parsed.data : DEFAULTS.projectCreationRestriction };
}

export async function getSystemSettings({ actor }: { actor: Actor }): Promise<SystemSettings> {
  await assertSystemPermission(actor, "setting.read", { type: "setting" });
  return readSystemSettings();
}

export async function updateSystemSettings({ actor, input }: { actor: Actor; input: TUpdateSystemSettings }): Promise<SystemSettings> {
  await assertSystemPermission(actor, "setting.update", { type: "setting" });
  return db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: "project_creation_restriction" } });
    await tx.systemSetting.upsert({
      where: { key: "project_creation_restriction" },
      create: { key: "project_creation_restriction", value: input.projectCreationRestriction },
      update: { value: input.projectCreationRestriction },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "setting.update",
      resource: { type: "setting", name: "project_creation_restriction" },
      detail: { before: before?.value ?? DEFAULTS.projectCreationRestriction, after: input.projectCreationRestriction },
    });
    return { projectCreationRestriction: input.projectCreationRestriction };
  });
}
