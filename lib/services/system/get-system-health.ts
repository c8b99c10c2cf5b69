import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { describeDown, getRegistrySupervisorStatus } from "@/lib/registry/registry-supervisor";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import type { ComponentHealth, SystemHealth } from "@/lib/services/system/health-types";

const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within 3 s`)), CHECK_TIMEOUT_MS)),
  ]);
}

async function check(name: ComponentHealth["name"], probe: () => Promise<unknown>): Promise<ComponentHealth> {
  try {
    await withTimeout(probe(), name);
    return { name, status: "healthy" };
  } catch (err) {
    return { name, status: "unhealthy", error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Health of each component. Anyone may ask (load balancers do, as with Harbor); only those with
 * `system.health.read` see why a component is unhealthy, since the reason names internal hosts.
 */
export async function getSystemHealth({ actor }: { actor: Actor }): Promise<SystemHealth> {
  const health = await checkAllComponents();
  if (hasSystemPermission(actor, "system.health.read")) return health;
  return {
    status: health.status,
    components: health.components.map((c) => (c.error ? { ...c, error: "unavailable" } : c)),
  };
}

/** The System health page: the same checks with their reasons, for those allowed to see them. */
export async function getSystemHealthDetails({ actor }: { actor: Actor }): Promise<SystemHealth> {
  await assertSystemPermission(actor, "system.health.read", { type: "system_health" });
  return checkAllComponents();
}

/**
 * Readiness, for a load balancer deciding whether to send this instance traffic: the database and
 * the backing registry answer. Public by design and a single yes or no: it names nothing.
 */
export async function isReady(): Promise<boolean> {
  return (await checkAllComponents()).status === "healthy";
}

async function checkAllComponents(): Promise<SystemHealth> {
  const components = await Promise.all([
    check("core", async () => undefined),
    check("database", () => db.$queryRaw`SELECT 1`),
    check("registry", checkRegistry),
  ]);
  return { status: components.every((c) => c.status === "healthy") ? "healthy" : "unhealthy", components };
}

async function checkRegistry(): Promise<void> {
  // The registry Wharf runs: while its supervisor is restarting it, say so (and when it retries)
  // rather than only that the port refuses connections.
  const supervised = getRegistrySupervisorStatus();
  if (supervised?.state === "down") throw new Error(describeDown(supervised));
  await getBackingRegistry().ping();
}
