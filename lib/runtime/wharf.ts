/**
 * The Wharf launcher (`npm start`, `npm run demo`): prepares the database, starts the backing
 * registry when none is configured, runs Wharf's server in this process (lib/runtime/server.ts:
 * the registry front and Next.js's production handler on one port), and stops what it started
 * on Ctrl-C. Everything it does is printed, so a newcomer sees where Wharf is and what it uses.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { flushWriteBehind } from "../cache/write-behind";
import { ConfigError, parseServerEnv } from "../env";
import { parseListenAddress } from "../registry/listen-address";
import { superviseLocalRegistry } from "../registry/registry-supervisor";
import { applyMigrations, ensureDatabase } from "./database";
import { loadOrCreateLocalSecrets } from "./local-secrets";
import { startServer, type WharfServer } from "./server";

const log = (message: string) => console.log(`wharf: ${message}`);

function redactUrl(value: string): string {
  const url = new URL(value);
  if (url.password) url.password = "****";
  return url.toString();
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

export async function startWharf(): Promise<void> {
  try {
    process.loadEnvFile(".env");
    log("read settings from .env");
  } catch {
    // no .env: configuration comes from the environment alone
  }

  let env;
  try {
    env = parseServerEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`wharf: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const dataDir = path.resolve(env.WHARF_DATA_DIR);
  // The server runs in this process: what it reads from the environment is set here, before
  // any of its modules (or Next's) looks (lib/env.ts caches what it parsed).
  const serverEnv = process.env;
  Object.assign(serverEnv, { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: env.DATABASE_URL });

  const local = loadOrCreateLocalSecrets(dataDir);
  serverEnv.NEXTAUTH_SECRET = env.NEXTAUTH_SECRET ?? local.NEXTAUTH_SECRET;
  serverEnv.WHARF_SECRET_KEY = env.WHARF_SECRET_KEY ?? local.WHARF_SECRET_KEY;
  serverEnv.NEXTAUTH_URL = env.NEXTAUTH_URL ?? env.externalUrl;
  serverEnv.WHARF_EXTERNAL_URL = env.externalUrl;

  log(`database ${redactUrl(env.DATABASE_URL)}`);
  if (await ensureDatabase(env.DATABASE_URL)) log("created the database");
  const migration = await applyMigrations(env.DATABASE_URL);
  if (migration.status === "up-to-date") log("database schema up to date");
  else {
    // Prisma's own words, warnings included, on the starts that change the schema.
    for (const line of migration.output.split("\n")) if (line.trim()) log(`prisma: ${line.trimEnd()}`);
    log(`applied ${migration.applied.length} migration(s): ${migration.applied.join(", ")}`);
  }

  let stopRegistry: (() => Promise<void>) | null = null;
  let stopSupervisingRegistry: (() => void) | null = null;
  const registryCredentials =
    env.WHARF_REGISTRY_USERNAME && env.WHARF_REGISTRY_PASSWORD ? { username: env.WHARF_REGISTRY_USERNAME, password: env.WHARF_REGISTRY_PASSWORD } : undefined;
  if (env.WHARF_REGISTRY_URL) {
    const as = registryCredentials ? `as ${registryCredentials.username}` : "without credentials";
    log(`backing registry ${redactUrl(env.WHARF_REGISTRY_URL)} (WHARF_REGISTRY_URL, ${as})`);
  } else {
    // Supervised: a registry that dies is restarted (with backoff) on the same address.
    const listen = env.WHARF_REGISTRY_LISTEN ? parseListenAddress(env.WHARF_REGISTRY_LISTEN) : null;
    const registry = await superviseLocalRegistry({
      dataDir,
      host: listen?.host,
      port: listen?.port ?? "remembered",
      credentials: registryCredentials,
      log,
    });
    stopRegistry = registry.stop;
    stopSupervisingRegistry = registry.stopSupervising;
    serverEnv.WHARF_REGISTRY_URL = registry.url;
    serverEnv.WHARF_REGISTRY_STORAGE_DIR = registry.storageDir;
    // Garbage collection (Administration -> Clean up) runs garbage-collect with this config.
    serverEnv.WHARF_REGISTRY_CONFIG = registry.configPath;
    serverEnv.WHARF_REGISTRY_USERNAME = registry.credentials.username;
    serverEnv.WHARF_REGISTRY_PASSWORD = registry.credentials.password;
    const source = registryCredentials ? "WHARF_REGISTRY_USERNAME/PASSWORD" : `generated, in ${path.join(dataDir, "registry", "credentials.json")}`;
    log(`started Distribution at ${registry.url} (storage in ${path.join(dataDir, "registry")}; credentials ${source})`);
  }

  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    await stopRegistry?.();
    console.error("wharf: no production build found. Run `npm run build` first (`npm run demo` does both).");
    process.exit(1);
  }

  const host = process.env.WHARF_LISTEN_HOST ?? "127.0.0.1";
  let server: WharfServer;
  try {
    server = await startServer({ hostname: host, port: env.PORT, trustedProxies: env.WHARF_TRUSTED_PROXIES });
  } catch (err) {
    console.error(`wharf: the server did not start: ${(err as Error).message}`);
    await stopRegistry?.();
    process.exit(1);
  }

  // The job worker (pg-boss, schema `pgboss`): after migrations and after the server, whose start
  // put the `server-only` shim in place that the services it imports need. Loaded dynamically
  // for the same reason. A worker that cannot start leaves the console up (jobs stay queued and
  // say so on the System health page) rather than take the registry down with it.
  let worker: { stop(): Promise<void> } | null = null;
  try {
    const { startJobWorker } = await import("../jobs/worker");
    // Pushes' artifact events reach their consumers (event-based replication, scan on push) within
    // a few seconds: every 2 s a drain run is queued if one is needed.
    worker = await startJobWorker({ log, artifactEventDrainMs: 2000 });
  } catch (err) {
    console.error(`wharf: jobs: the worker did not start: ${(err as Error).message}`);
  }

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    // The same signal may have reached the registry (one process group): its exit is no crash.
    stopSupervisingRegistry?.();
    // First, so a running job finishes (or is cut and later resumes from its checkpoint) while
    // the database and registry are still there.
    await worker?.stop().catch((err: unknown) => console.error(`wharf: stopping the job worker: ${(err as Error).message}`));
    // Also writes the pull counts still batched in memory (server.ts, close()).
    await server.close().catch((err: unknown) => console.error(`wharf: stopping the server: ${(err as Error).message}`));
    // Once more before exit, whatever the close did: anything noted since (or by a module copy
    // the server does not know of) is written now, or lost with the process.
    await flushWriteBehind().catch((err: unknown) => console.error(`wharf: writing batched pull counts: ${(err as Error).message}`));
    await stopRegistry?.();
    log("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  try {
    await waitForHttp(`http://${host}:${env.PORT}/api/v2.0/ping`, 60_000);
  } catch (err) {
    console.error(`wharf: ${(err as Error).message}`);
    await shutdown(1);
    return;
  }
  log(`ready at ${env.externalUrl}  (sign in as admin; registry clients: skopeo login ${new URL(env.externalUrl).host})`);
  log("press Ctrl-C to stop");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  startWharf().catch((err) => {
    console.error(`wharf: could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
