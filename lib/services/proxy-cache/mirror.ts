import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { processCache } from "@/lib/cache/process-cache";
import { db } from "@/lib/db/client";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { findRegistryProject } from "@/lib/services/registry-auth/project-lookup";

/**
 * Registry mirror mode (issue 13 item 3): one proxy-cache project an administrator names as the
 * mirror, so that Docker's `registry-mirrors` (and podman's registries.conf `mirror`) pointed at
 * Wharf work. Such a client asks for Docker Hub's names as they are (`library/nginx`, with no
 * Wharf project in front), both at the token service and at /v2; a repository whose first part is
 * not a Wharf project is taken to be the mirror project's (`library/nginx` is `hub/library/nginx`).
 * The token service and the gateway map names with the same function, so the token names the
 * repository the gateway then checks it against. A Wharf project whose name is a Docker Hub
 * namespace (`library`, `bitnami`) keeps its own repositories: projects come first.
 */

const SETTING_KEY = "registry_mirror_project";

type MirrorSetting = { project: { id: number; name: string } | null };

/**
 * The mirror setting, kept for five seconds; its change bumps the registry grant version, whose
 * NOTIFY empties this cache on every instance at commit (lib/cache/process-cache.ts).
 */
const setting = processCache<MirrorSetting>({ name: "registry-mirror", max: 1, ttlMs: 5_000, invalidatedBy: "registry-grants" });

/** First parts of names that are not projects, kept briefly: a mirror pull asks about its namespace on every request. */
const notProjects = processCache<{ missing: true }>({ name: "registry-mirror-misses", max: 10_000, ttlMs: 2_000, invalidatedBy: "registry-grants" });

async function readMirror(): Promise<MirrorSetting> {
  const hit = setting.get("mirror");
  if (hit) return hit;
  const row = await db.systemSetting.findUnique({ where: { key: SETTING_KEY }, select: { value: true } });
  const id = typeof row?.value === "number" ? row.value : null;
  const project = id === null ? null : await db.project.findFirst({ where: { id, proxyRegistryId: { not: null } }, select: { id: true, name: true } });
  const value = { project };
  setting.set("mirror", value);
  return value;
}

/**
 * The repository `name` stands for: itself, or under the mirror project when mirror mode is on
 * and its first part is no Wharf project. Resolves without a query once the setting and the
 * namespace are remembered.
 */
export async function mirroredRepositoryName(name: string): Promise<string> {
  const { project } = await readMirror();
  if (!project) return name;
  const first = name.split("/", 1)[0]!;
  if (first === project.name || !notProjects.has(first) && (await findRegistryProject(first))) return name;
  notProjects.set(first, { missing: true });
  return `${project.name}/${name}`;
}

export type RegistryMirror = { projectId: number; projectName: string } | null;

/** The mirror project, for the console and REST (anyone who may read system settings). */
export async function getRegistryMirror({ actor }: { actor: Actor }): Promise<RegistryMirror> {
  await assertSystemPermission(actor, "setting.read", { type: "setting", name: SETTING_KEY });
  const { project } = await readMirror();
  return project ? { projectId: project.id, projectName: project.name } : null;
}

/** Names a proxy-cache project as the registry mirror, or (null) turns mirror mode off; one `setting.update` row when it changes. */
export async function setRegistryMirror({ actor, projectId }: { actor: Actor; projectId: number | null }): Promise<RegistryMirror> {
  await assertSystemPermission(actor, "setting.update", { type: "setting", name: SETTING_KEY }, "setting.update");
  const project = projectId === null ? null : await db.project.findUnique({ where: { id: projectId }, select: { id: true, name: true, proxyRegistryId: true } });
  if (projectId !== null && !project) throw new NotFoundError(`Project ${projectId} does not exist.`);
  if (project && project.proxyRegistryId === null) {
    throw new ValidationError(`Project ${project.name} is not a proxy-cache project; only a proxy cache can be the registry mirror.`, { projectId: ["Not a proxy-cache project"] });
  }
  await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: SETTING_KEY }, select: { value: true } });
    const previous = typeof before?.value === "number" ? before.value : null;
    if (previous === (project?.id ?? null)) return;
    if (project) await tx.systemSetting.upsert({ where: { key: SETTING_KEY }, create: { key: SETTING_KEY, value: project.id }, update: { value: project.id } });
    else await tx.systemSetting.deleteMany({ where: { key: SETTING_KEY } });
    await recordAuditEvent(tx, {
      actor,
      action: "setting.update",
      resource: { type: "setting", name: SETTING_KEY },
      detail: { before: previous, after: project ? { project_id: project.id, project: project.name } : null },
    });
    // Names map differently now: tokens and the gateway's caches follow on every instance.
    await bumpGrantVersion(tx);
  });
  setting.clear();
  notProjects.clear();
  return project ? { projectId: project.id, projectName: project.name } : null;
}

/**
 * Whether `projectId` is the registry mirror, for its own pages: anyone who may see the project may
 * see how to use it (the daemon.json lines), without the system setting's read permission.
 */
export async function isRegistryMirror(projectId: number): Promise<boolean> {
  return (await readMirror()).project?.id === projectId;
}
