import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { assertProjectListAdmitsSaver } from "@/lib/services/ip-allowlist/project-address-rule";
import { allowlistDetail, sameAllowlist } from "@/lib/services/pull-policy/allowlists";
import { forgetPullPolicies, notifyPullPolicyChange, PULL_POLICY_SELECT } from "@/lib/services/pull-policy/settings";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { forgetRegistryProjects } from "@/lib/services/registry-auth/project-lookup";
import type { TUpdateProject } from "@/lib/validation/projects";

/** Settings as columns, under the names Harbor's metadata gives them (the audit row uses these). */
const SETTINGS = {
  public: "isPublic",
  auto_scan: "autoScan",
  prevent_vul: "preventVulnerable",
  severity: "vulnerabilitySeverity",
  refuse_unscanned: "refuseUnscanned",
  enable_content_trust_cosign: "requireSignature",
  reuse_sys_cve_allowlist: "reuseSystemCveAllowlist",
} as const;
type SettingKey = keyof typeof SETTINGS;
type SettingValue = boolean | string;

/** The settings that decide pulls at the gateway (their change empties every instance's pull-policy cache). */
const PULL_POLICY_KEYS: readonly SettingKey[] = ["prevent_vul", "severity", "refuse_unscanned", "enable_content_trust_cosign", "reuse_sys_cve_allowlist"];

/**
 * Changes a project's settings: public or private, scan on push (Harbor's `auto_scan`), the pull
 * policy (prevent vulnerable images with a severity, refuse unscanned, only signed, which CVE
 * allowlist applies), the project's own CVE allowlist, its IP allowlist and, for a proxy cache, the days
 * an unpulled cached artifact is kept. A setting left out stays as it is; the
 * name never changes. One `project.update` row names what changed (before and after); nothing
 * changed, nothing is written.
 */
export async function updateProject({ actor, input }: { actor: Actor; input: TUpdateProject }): Promise<void> {
  const ref = await findProjectRef(input.projectId);
  await assertProjectPermission(actor, ref, "project:update");
  if (input.ipAllowlist) assertProjectListAdmitsSaver(actor, input.ipAllowlist);
  let pullPolicyChanged = false;
  let addressesChanged = false;
  await db.$transaction(async (tx) => {
    const current = await tx.project.findUniqueOrThrow({
      where: { id: ref.id },
      select: { isPublic: true, autoScan: true, ipAllowlist: true, proxyRegistryId: true, proxyCacheDays: true, ...PULL_POLICY_SELECT },
    });
    const before: Partial<Record<SettingKey | "cve_allowlist" | "ip_allowlist" | "proxy_cache_days", unknown>> = {};
    const after: Partial<Record<SettingKey | "cve_allowlist" | "ip_allowlist" | "proxy_cache_days", unknown>> = {};
    const data: Record<string, SettingValue | string[] | number> = {};
    for (const [key, column] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
      const wanted = input[column];
      if (wanted === undefined || wanted === current[column]) continue;
      before[key] = current[column];
      after[key] = wanted;
      data[column] = wanted;
    }
    const list = input.cveAllowlist;
    const currentList = current.cveAllowlist ?? { cveIds: [], expiresAt: null };
    const listChanged = list !== undefined && !sameAllowlist(list, currentList);
    if (listChanged) {
      before.cve_allowlist = allowlistDetail(currentList);
      after.cve_allowlist = allowlistDetail(list);
    }
    const addresses = input.ipAllowlist;
    if (addresses !== undefined && addresses.join(",") !== current.ipAllowlist.join(",")) {
      before.ip_allowlist = current.ipAllowlist;
      after.ip_allowlist = addresses;
      data.ipAllowlist = addresses;
    }
    const days = input.proxyCacheDays;
    if (days !== undefined && days !== current.proxyCacheDays) {
      // Only a proxy cache keeps artifacts for a time; anywhere else the setting would mean nothing.
      if (current.proxyRegistryId === null) throw new ValidationError("Only a proxy-cache project keeps cached artifacts for a number of days.", { proxyCacheDays: ["Not a proxy-cache project"] });
      before.proxy_cache_days = current.proxyCacheDays;
      after.proxy_cache_days = days;
      data.proxyCacheDays = days;
    }
    if (Object.keys(after).length === 0) return;
    if (Object.keys(data).length > 0) await tx.project.update({ where: { id: ref.id }, data, select: { id: true } });
    if (listChanged) {
      await tx.cveAllowlist.upsert({
        where: { projectId: ref.id },
        create: { projectId: ref.id, cveIds: list.cveIds, expiresAt: list.expiresAt },
        update: { cveIds: list.cveIds, expiresAt: list.expiresAt },
        select: { id: true },
      });
    }
    await recordAuditEvent(tx, {
      actor,
      action: "project.update",
      resource: { type: "project", id: ref.id, name: ref.name },
      projectId: ref.id,
      detail: { before, after },
    });
    // Visibility decides anonymous and non-member pulls: tokens issued before follow at their next
    // request. The IP allowlist is read through the registry's project lookup, which the same bump
    // empties on every instance.
    if (after.public !== undefined || after.ip_allowlist !== undefined) await bumpGrantVersion(tx);
    addressesChanged = after.ip_allowlist !== undefined;
    pullPolicyChanged = listChanged || PULL_POLICY_KEYS.some((key) => after[key] !== undefined);
    if (pullPolicyChanged) await notifyPullPolicyChange(tx);
  });
  if (pullPolicyChanged) forgetPullPolicies();
  // This process at once; the others when the grant version's NOTIFY arrives.
  if (addressesChanged) forgetRegistryProjects();
}
