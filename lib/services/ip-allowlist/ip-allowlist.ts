import "server-only";
import { type Actor, anonymousActor } from "@/lib/auth/actor";
import { type AddressRanges, parseAddressRanges, parseStoredAddressRanges } from "@/lib/auth/client-address";
import { CACHE_CHANNEL, processCache } from "@/lib/cache/process-cache";
import { db, type DbTransaction } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import type { TIpAllowlist } from "@/lib/validation/ip-allowlist";

/**
 * The system IP allowlist (issue 18 item 5): the addresses and CIDR ranges from which the console,
 * the REST API and the registry (/v2, the token service) may be reached at all. Empty, the default,
 * admits every address. Wharf's HTTP front asks {@link ipAllowlistDecision} for every request but
 * the health probes, the ping and /metrics (lib/runtime/ip-allowlist-refusal.ts), with the client
 * address of the client-IP rule (WHARF_TRUSTED_PROXIES), so a proxy in front is handled the same
 * way as for audit rows.
 */
const SETTING_KEY = "ip_allowlist";
export const IP_ALLOWLIST_TOPIC = "ip-allowlist" as const;

export type IpAllowlistView = { entries: string[]; updatedAt: Date | null };
type CompiledAllowlist = { entries: string[]; ranges: AddressRanges };

/**
 * Read on every request the front serves, so held per process. The multi-instance story is the
 * pull policy's: a change sends the "ip-allowlist" topic on the cache channel in its transaction
 * (delivered on commit) and every instance's listener empties this cache; the changing instance
 * drops it itself after the commit. The time to live bounds what a process without a listener
 * can see stale.
 */
const cache = processCache<CompiledAllowlist>({ name: "ip-allowlist", max: 1, ttlMs: 30_000, invalidatedBy: IP_ALLOWLIST_TOPIC });
let generation = 0;

function storedEntries(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((e): e is string => typeof e === "string") : [];
}

function compile(entries: string[]): CompiledAllowlist {
  return { entries, ranges: parseStoredAddressRanges(entries) };
}

async function currentAllowlist(): Promise<CompiledAllowlist> {
  const hit = cache.get(SETTING_KEY);
  if (hit) return hit;
  const started = generation;
  const row = await db.systemSetting.findUnique({ where: { key: SETTING_KEY } });
  const compiled = compile(storedEntries(row?.value));
  if (generation === started) cache.set(SETTING_KEY, compiled);
  return compiled;
}

export type IpAllowlistDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether a client address may reach Wharf. Every address may while the list is empty; an
 * unknown address (no socket peer) may not once there is a list.
 */
export async function ipAllowlistDecision(address: string | null): Promise<IpAllowlistDecision> {
  const { ranges } = await currentAllowlist();
  if (ranges.empty) return { allowed: true };
  if (address && ranges.has(address)) return { allowed: true };
  return { allowed: false, reason: `address ${address ?? "unknown"} is not in the IP allowlist` };
}

/**
 * The audit row of a refused request: one `ip_allowlist.deny` failure row per address, path
 * kind and minute (recordRefusal counts the repeats of a minute on one row), so a client that
 * keeps trying cannot flood the audit log.
 */
export async function recordIpAllowlistDenial({ address, userAgent, area }: { address: string | null; userAgent: string | null; area: "registry" | "api" | "console" }): Promise<void> {
  await recordRefusal({
    actor: anonymousActor({ ip: address, userAgent }),
    action: "ip_allowlist.deny",
    resource: { type: "ip_allowlist", name: "system" },
    reason: `address ${address ?? "unknown"} is not in the IP allowlist`,
    detail: { area },
  });
}

/** Administrators and auditors read the list. */
export async function getIpAllowlist({ actor }: { actor: Actor }): Promise<IpAllowlistView> {
  await assertSystemPermission(actor, "setting.read", { type: "ip_allowlist", name: "system" });
  const row = await db.systemSetting.findUnique({ where: { key: SETTING_KEY } });
  return { entries: storedEntries(row?.value), updatedAt: row?.updatedAt ?? null };
}

/**
 * Replaces the list (administrators): one `ip_allowlist.update` row with before and after, every
 * instance told. The lockout guard: a list that would refuse the administrator's own address is
 * refused at the field, so nobody saves a list that locks them out of the console that could undo
 * it (a request whose address is unknown cannot save a non-empty list for the same reason).
 */
export async function updateIpAllowlist({ actor, input }: { actor: Actor; input: TIpAllowlist }): Promise<IpAllowlistView> {
  await assertSystemPermission(actor, "setting.update", { type: "ip_allowlist", name: "system" }, "ip_allowlist.update");
  if (input.length > 0) {
    const own = actor.client.ip;
    if (!own || !parseAddressRanges(input).has(own)) {
      const message = `Your own address (${own ?? "unknown"}) is not in the list: add it, or a range holding it, so you can still reach Wharf`;
      throw new ValidationError(`entries: ${message}`, { entries: [message] });
    }
  }
  const saved = await db.$transaction(async (tx) => {
    const before = await tx.systemSetting.findUnique({ where: { key: SETTING_KEY } });
    const row = await tx.systemSetting.upsert({
      where: { key: SETTING_KEY },
      create: { key: SETTING_KEY, value: input },
      update: { value: input },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "ip_allowlist.update",
      resource: { type: "ip_allowlist", name: "system" },
      detail: { before: storedEntries(before?.value), after: input },
    });
    await notifyIpAllowlistChange(tx);
    return row;
  });
  forgetIpAllowlist();
  return { entries: storedEntries(saved.value), updatedAt: saved.updatedAt };
}

async function notifyIpAllowlistChange(tx: DbTransaction): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, ${IP_ALLOWLIST_TOPIC})`;
}

/** After the commit: this process forgets at once. */
export function forgetIpAllowlist(): void {
  generation += 1;
  cache.clear();
}
