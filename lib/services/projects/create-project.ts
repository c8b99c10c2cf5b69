import "server-only";
import { allowlistDetail } from "@/lib/services/pull-policy/allowlists";
import type { TPullPolicySettings } from "@/lib/validation/pull-policy";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, ForbiddenError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { assertProjectListAdmitsSaver } from "@/lib/services/ip-allowlist/project-address-rule";
import { canCreateProjects } from "@/lib/services/projects/can-create-projects";
import { PROJECT_SELECT, type ProjectSummary, toProjectSummary } from "@/lib/services/projects/project-dto";
import { readSystemSettings } from "@/lib/services/settings/system-settings";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import type { TCreateProject, TProjectProxy } from "@/lib/validation/projects";

const PROJECT_ADMIN_ROLE_ID = 1;

/**
 * Creates a project; its creator becomes its owner and first Project Admin (as in Harbor).
 * Who may create depends on the "project creation" system setting: everyone, or admins only.
 * Scan on push (`autoScan`, Harbor's `auto_scan` metadata) is off unless asked for, and so is the
 * pull policy (Harbor's prevent_vul, severity, content trust and allowlist metadata) unless given.
 */
export async function createProject({
  actor,
  input,
}: {
  actor: Actor;
  /** storageLimit (bytes, -1 unlimited) counts only when an administrator creates (as Harbor); else the Settings default. */
  input: TCreateProject & { autoScan?: boolean; storageLimit?: bigint; ipAllowlist?: string[]; proxy?: TProjectProxy } & TPullPolicySettings;
}): Promise<ProjectSummary> {
  if (actor.kind === "anonymous") {
    await recordRefusal({ actor, action: "project.create", resource: { type: "project", name: input.name }, reason: "not signed in" });
    throw new UnauthenticatedError();
  }
  const { projectCreationRestriction, defaultStorageLimit } = await readSystemSettings();
  const storageLimit = input.storageLimit !== undefined && hasSystemPermission(actor, "quota.update") ? input.storageLimit : defaultStorageLimit;
  if (!(await canCreateProjects(actor))) {
    await recordRefusal({
      actor,
      action: "project.create",
      resource: { type: "project", name: input.name },
      reason: projectCreationRestriction === "adminonly" ? "only administrators may create projects" : "not allowed to create projects",
    });
    throw new ForbiddenError(
      projectCreationRestriction === "adminonly" ? "Only administrators may create projects." : "You may not create projects.",
    );
  }
  const ipAllowlist = input.ipAllowlist ?? [];
  assertProjectListAdmitsSaver(actor, ipAllowlist);
  const proxy = input.proxy ? await checkedProxy(actor, input.name, input.proxy) : null;
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.project.findUnique({ where: { name: input.name }, select: { id: true } })) {
        throw new ConflictError(`A project named ${input.name} already exists.`, { name: ["This name is already taken"] });
      }
      const ownerId = actor.kind === "user" ? actor.id : null;
      const { cveAllowlist, ...pullPolicy } = pullPolicySettingsOf(input);
      const created = await tx.project.create({
        data: {
          name: input.name,
          isPublic: input.isPublic,
          autoScan: input.autoScan ?? false,
          ownerId,
          storageLimit,
          ipAllowlist,
          ...(proxy ? { proxyRegistryId: proxy.registryId, proxyCacheDays: proxy.cacheDays } : {}),
          ...pullPolicy,
        },
        select: { id: true },
      });
      if (cveAllowlist) await tx.cveAllowlist.create({ data: { projectId: created.id, cveIds: cveAllowlist.cveIds, expiresAt: cveAllowlist.expiresAt }, select: { id: true } });
      if (ownerId !== null) {
        await tx.projectMember.create({ data: { projectId: created.id, userId: ownerId, roleId: PROJECT_ADMIN_ROLE_ID } });
      }
      const project = await tx.project.findUniqueOrThrow({ where: { id: created.id }, select: PROJECT_SELECT });
      await recordAuditEvent(tx, {
        actor,
        action: "project.create",
        resource: { type: "project", id: project.id, name: project.name },
        projectId: project.id,
        detail: {
          public: project.isPublic,
          ...(project.autoScan ? { auto_scan: true } : {}),
          ...(project.preventVulnerable ? { prevent_vul: true, severity: project.vulnerabilitySeverity } : {}),
          ...(project.refuseUnscanned ? { refuse_unscanned: true } : {}),
          ...(project.requireSignature ? { enable_content_trust_cosign: true } : {}),
          ...(project.reuseSystemCveAllowlist ? {} : { reuse_sys_cve_allowlist: false }),
          ...(cveAllowlist ? { cve_allowlist: allowlistDetail(cveAllowlist) } : {}),
          ...(storageLimit >= 0n ? { storage_limit: Number(storageLimit) } : {}),
          ...(ipAllowlist.length > 0 ? { ip_allowlist: ipAllowlist } : {}),
          ...(project.proxyRegistry ? { registry_id: project.proxyRegistry.id, registry: project.proxyRegistry.name, proxy_cache_days: project.proxyCacheDays } : {}),
        },
      });
      return toProjectSummary(project, ownerId !== null ? PROJECT_ADMIN_ROLE_ID : null);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError(`A project named ${input.name} already exists.`, { name: ["This name is already taken"] });
    }
    throw err;
  }
}

/**
 * A proxy-cache project's upstream (Harbor's `registry_id`): administrators only, as in Harbor (the
 * project reaches out with the endpoint's stored credentials); the endpoint must exist. Refusals
 * are audited and change nothing.
 */
async function checkedProxy(actor: Actor, name: string, proxy: TProjectProxy): Promise<TProjectProxy> {
  // Binding an endpoint is an administrator's act, as creating one is.
  if (!hasSystemPermission(actor, "registry_endpoint.create")) {
    await recordRefusal({ actor, action: "project.create", resource: { type: "project", name }, reason: "only administrators may create proxy-cache projects" });
    throw new ForbiddenError("Only administrators may create proxy-cache projects.");
  }
  const endpoint = await db.registryEndpoint.findUnique({ where: { id: proxy.registryId }, select: { id: true } });
  if (!endpoint) throw new ValidationError(`Registry endpoint ${proxy.registryId} does not exist.`, { registryId: ["No such registry endpoint"] });
  return proxy;
}

/** The pull policy settings given (undefined ones left to the column defaults). */
function pullPolicySettingsOf(input: TPullPolicySettings): TPullPolicySettings {
  return Object.fromEntries(Object.entries(input).filter(([key, value]) => value !== undefined && PULL_POLICY_FIELDS.has(key)));
}

const PULL_POLICY_FIELDS = new Set(["preventVulnerable", "vulnerabilitySeverity", "refuseUnscanned", "requireSignature", "reuseSystemCveAllowlist", "cveAllowlist"]);
