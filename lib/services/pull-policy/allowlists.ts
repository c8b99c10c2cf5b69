import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { forgetPullPolicies, notifyPullPolicyChange, PULL_POLICY_SELECT } from "@/lib/services/pull-policy/settings";
import type { PullPolicySeverity, TCveAllowlist } from "@/lib/validation/pull-policy";

/** An allowlist as shown and answered: ids in the order stored, and its expiry (null: never). */
export type CveAllowlistView = { cveIds: string[]; expiresAt: Date | null; updatedAt: Date | null };

const EMPTY: CveAllowlistView = { cveIds: [], expiresAt: null, updatedAt: null };

/** A project's pull policy settings and its own allowlist, for its Configuration page and REST. */
export type ProjectPullPolicyView = {
  preventVulnerable: boolean;
  vulnerabilitySeverity: PullPolicySeverity;
  refuseUnscanned: boolean;
  requireSignature: boolean;
  reuseSystemCveAllowlist: boolean;
  cveAllowlist: CveAllowlistView;
};

/**
 * The system CVE allowlist. Every signed-in user may read it (a project that reuses it shows it,
 * as Harbor does); only administrators change it.
 */
export async function getSystemCveAllowlist({ actor }: { actor: Actor }): Promise<CveAllowlistView> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  const row = await db.cveAllowlist.findUnique({ where: { system: true }, select: { cveIds: true, expiresAt: true, updatedAt: true } });
  return row ?? EMPTY;
}

/** Replaces the system allowlist: one `cve_allowlist.update` row with before and after, every instance told. */
export async function updateSystemCveAllowlist({ actor, input }: { actor: Actor; input: TCveAllowlist }): Promise<CveAllowlistView> {
  await assertSystemPermission(actor, "setting.update", { type: "cve_allowlist", name: "system" }, "cve_allowlist.update");
  const saved = await db.$transaction(async (tx) => {
    const before = await tx.cveAllowlist.findUnique({ where: { system: true }, select: { cveIds: true, expiresAt: true } });
    const row = await tx.cveAllowlist.upsert({
      where: { system: true },
      create: { system: true, cveIds: input.cveIds, expiresAt: input.expiresAt },
      update: { cveIds: input.cveIds, expiresAt: input.expiresAt },
      select: { cveIds: true, expiresAt: true, updatedAt: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "cve_allowlist.update",
      resource: { type: "cve_allowlist", name: "system" },
      detail: { before: allowlistDetail(before ?? EMPTY), after: allowlistDetail(row) },
    });
    await notifyPullPolicyChange(tx);
    return row;
  });
  forgetPullPolicies();
  return saved;
}

/** A project's pull policy: members who may read the project see it (the page explains refusals). */
export async function getProjectPullPolicy({ actor, projectId }: { actor: Actor; projectId: number | string }): Promise<ProjectPullPolicyView> {
  const ref = await findProjectRef(projectId);
  await assertProjectPermission(actor, ref, "project:read");
  const project = await db.project.findUniqueOrThrow({
    where: { id: ref.id },
    select: PULL_POLICY_SELECT,
  });
  return { ...project, vulnerabilitySeverity: project.vulnerabilitySeverity as PullPolicySeverity, cveAllowlist: project.cveAllowlist ?? EMPTY };
}

export function allowlistDetail(list: { cveIds: string[]; expiresAt: Date | null }): { cve_ids: string[]; expires_at: string | null } {
  return { cve_ids: list.cveIds, expires_at: list.expiresAt ? list.expiresAt.toISOString() : null };
}

export function sameAllowlist(a: { cveIds: string[]; expiresAt: Date | null }, b: { cveIds: string[]; expiresAt: Date | null }): boolean {
  return a.cveIds.length === b.cveIds.length && a.cveIds.every((id, i) => id === b.cveIds[i]) && (a.expiresAt?.getTime() ?? null) === (b.expiresAt?.getTime() ?? null);
}
