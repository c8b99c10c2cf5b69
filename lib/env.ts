import { z } from "zod";
import { parseTrustedProxies } from "./auth/client-address";
import { registryPasswordProblem, registryUsernameProblem } from "./registry/credentials";
import { listenAddressProblem } from "./registry/listen-address";

/**
 * Wharf's configuration, read from the environment once and validated. Bad configuration stops
 * the process with a message naming the variable, never with a stack trace later.
 */
const ZServerEnv = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" })
    .default("postgresql://postgres:postgres@127.0.0.1:5432/wharf"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** What registry clients and browsers use to reach Wharf; the token realm is built from it. */
  WHARF_EXTERNAL_URL: z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional(),
  /** The backing Distribution registry. The launcher starts one on loopback when unset. */
  WHARF_REGISTRY_URL: z.url({ protocol: /^https?$/, error: "must be an http(s):// URL" }).optional(),
  /**
   * The backing registry's filesystem storage root, when Wharf shares its disk: blob downloads are
   * then read from it directly instead of relayed. The launcher sets it for the registry it starts.
   */
  WHARF_REGISTRY_STORAGE_DIR: z.string().min(1).optional(),
  /**
   * The backing registry's config file, for garbage collection (Distribution's `garbage-collect`
   * reads it; WHARF_REGISTRY_STORAGE_DIR must be set too). The launcher sets it for the registry it
   * starts; unset for an external registry, Administration -> Clean up says why GC is off.
   */
  WHARF_REGISTRY_CONFIG: z.string().min(1).optional(),
  /** Distribution's binary that runs `garbage-collect` (default /usr/bin/docker-registry). */
  WHARF_REGISTRY_GC_BINARY: z.string().min(1).optional(),
  /**
   * Garbage collection never deletes a blob younger than this many hours (its manifest may still
   * be on its way); Harbor's time window, 2 hours by default.
   */
  WHARF_GC_KEEP_RECENT_HOURS: z.coerce.number().min(0).max(8760).default(2),
  /**
   * What Wharf sends the backing registry (HTTP Basic). Unset with WHARF_REGISTRY_URL unset: the
   * launcher generates them for the registry it starts; set, that registry accepts these instead.
   */
  WHARF_REGISTRY_USERNAME: z.string().superRefine(problemCheck(registryUsernameProblem)).optional(),
  WHARF_REGISTRY_PASSWORD: z.string().superRefine(problemCheck(registryPasswordProblem)).optional(),
  /** Where the registry the launcher starts listens (`port` or `host:port`). */
  WHARF_REGISTRY_LISTEN: z.string().superRefine(problemCheck(listenAddressProblem)).optional(),
  WHARF_ADMIN_PASSWORD: z.string().optional(),
  WHARF_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  WHARF_DATA_DIR: z.string().min(1).default(".wharf"),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  NEXTAUTH_URL: z.url().optional(),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs and CIDR ranges). Unset:
   * the socket's peer is the client, whatever the header says.
   */
  WHARF_TRUSTED_PROXIES: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseTrustedProxies(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    })
    .optional(),
  /**
   * Bearer token Prometheus sends to scrape /metrics. Unset: only an administrator's or auditor's
   * Basic credentials are accepted there.
   */
  WHARF_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** When the index reconcile job runs on its own (5-field cron, UTC); `off` disables the schedule. */
  WHARF_RECONCILE_CRON: z
    .string()
    .regex(/^(off|\S+( \S+){4})$/, "must be a 5-field cron expression (e.g. `17 * * * *`) or `off`")
    .default("17 * * * *"),
}).superRefine((env, ctx) => {
  if (!env.WHARF_REGISTRY_USERNAME !== !env.WHARF_REGISTRY_PASSWORD) {
    const missing = env.WHARF_REGISTRY_USERNAME ? "WHARF_REGISTRY_PASSWORD" : "WHARF_REGISTRY_USERNAME";
    ctx.addIssue({ code: "custom", path: [missing], message: "must be set together with the other registry credential" });
  }
});

function problemCheck(problem: (value: string) => string | null) {
  return (value: string, ctx: z.RefinementCtx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  };
}

export type ServerEnv = z.infer<typeof ZServerEnv> & { externalUrl: string };

let cached: ServerEnv | undefined;

export class ConfigError extends Error {}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  // Empty strings mean "unset", as in a .env file with `WHARF_REGISTRY_URL=`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = ZServerEnv.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  const externalUrl = (env.WHARF_EXTERNAL_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, "");
  return { ...env, externalUrl };
}

export function getServerEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}
