import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
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

/** Administrators; one `setting.update` row. `tx`: run inside the caller's transaction (PUT /configurations). */
export async function updateSystemSettings({ actor, input, tx: outer }: { actor: Actor; input: TUpdateSystemSettings; tx?: DbTransaction }): Promise<SystemSettings> {
  await assertSystemPermission(actor, "setting.update", { type: "setting" });
  const work = async (tx: DbTransaction) => {
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
  };
  if (outer) {
    await work(outer);
    return { ...(await readSystemSettings()), projectCreationRestriction: input.projectCreationRestriction };
  }
  await db.$transaction(work);
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
