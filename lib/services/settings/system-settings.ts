import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { type TUpdateSystemSettings, ZProjectCreationRestriction } from "@/lib/validation/projects";

export type SystemSettings = {
  projectCreationRestriction: "everyone" | "adminonly";
  /** The storage limit new projects get (bytes; -1 unlimited), Harbor's `storage_per_project`. */
  defaultStorageLimit: bigint;
};

/** Harbor's defaults. */
const DEFAULTS: SystemSettings = { projectCreationRestriction: "everyone", defaultStorageLimit: -1n };

/** Settings as stored, with defaults; unreadable stored values fall back to the default. */
export async function readSystemSettings(): Promise<SystemSettings> {
  const rows = await db.systemSetting.findMany({ where: { key: { in: ["project_creation_restriction", "default_storage_limit"] } } });
  const value = (key: string) => rows.find((r) => r.key === key)?.value;
  const parsed = ZProjectCreationRestriction.safeParse(value("project_creation_restriction"));
  const limit = value("default_storage_limit");
  return {
    projectCreationRestriction: parsed.success ? parsed.data : DEFAULTS.projectCreationRestriction,
    defaultStorageLimit: typeof limit === "number" && Number.isSafeInteger(limit) && limit >= -1 ? BigInt(limit) : DEFAULTS.defaultStorageLimit,
  };
}

export async function getSystemSettings({ actor }: { actor: Actor }): Promise<SystemSettings> {
  await assertSystemPermission(actor, "setting.read", { type: "setting" });
  return readSystemSettings();
}

export async function updateSystemSettings({ actor, input }: { actor: Actor; input: TUpdateSystemSettings }): Promise<SystemSettings> {
  await assertSystemPermission(actor, "setting.update", { type: "setting" });
  await db.$transaction(async (tx) => {
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
  });
  return readSystemSettings();
}

/** The storage limit new projects get (administrators); one `setting.update` row when it changes. */
export async function updateDefaultStorageLimit({ actor, storageLimit }: { actor: Actor; storageLimit: bigint }): Promise<void> {
  await assertSystemPermission(actor, "setting.update", { type: "setting" });
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: "default_storage_limit" } });
    const previous = typeof before?.value === "number" ? before.value : Number(DEFAULTS.defaultStorageLimit);
    if (previous === Number(storageLimit)) return;
    await tx.systemSetting.upsert({
      where: { key: "default_storage_limit" },
      create: { key: "default_storage_limit", value: Number(storageLimit) },
      update: { value: Number(storageLimit) },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "setting.update",
      resource: { type: "setting", name: "default_storage_limit" },
      detail: { before: previous, after: Number(storageLimit) },
    });
  });
}
