import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";
import { OidFixClient } from "../lib/db/pg-oid-fix";

type ConnectedAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
/** The adapter's internals we reach into (see problem 4 below). */
type AdapterInternals = { client: { query(sql: string): Promise<unknown> }; onError(error: unknown): never };

function executeScriptsWhole(adapter: ConnectedAdapter): ConnectedAdapter {
  const internals = adapter as unknown as AdapterInternals;
  adapter.executeScript = async (script: string) => {
    try {
      await internals.client.query(script);
    } catch (error) {
      internals.onError(error);
    }
  };
  return adapter;
}

/** DATABASE_URL -> discrete pg fields (see MigratePg for why not `connectionString`). */
export function pgConfigFromUrl(databaseUrl: string): PoolConfig {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    // The CLI leaves its pool open; without this node waits idleTimeoutMillis (10 s) before exiting.
    allowExitOnIdle: true,
  };
}

/**
 * Driver-adapter factory for the Prisma CLI's WebAssembly schema engine (engine: "js").
 * Works around three problems of @prisma/adapter-pg 6.19.3:
 *  1. Catalog columns of type `name` / "char" fail to deserialize -> OidFixClient reports them as text.
 *  2. connectToShadowDb() spreads the config and sets `database`, but a `connectionString` would
 *     override it and the "shadow" database would be the real one -> discrete fields only.
 *  3. Its shadow cleanup drops the database before closing the pool -> close first, then drop.
 *  4. executeScript() splits a migration on every ";", breaking PL/pgSQL bodies ($$ ... ; ... $$)
 *     and comments -> send the script whole (Postgres runs a multi-statement simple query as one
 *     implicit transaction, so a failing migration also leaves nothing half-applied).
 */
export class MigratePg extends PrismaPg {
  private readonly cfg: PoolConfig;

  constructor(databaseUrl: string) {
    const cfg = { ...pgConfigFromUrl(databaseUrl), Client: OidFixClient } as PoolConfig;
    super(cfg);
    this.cfg = cfg;
  }

  async connect() {
    return executeScriptsWhole(await super.connect());
  }

  async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = executeScriptsWhole(await new PrismaPg({ ...this.cfg, database }).connect());
    const disposeShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadowPool();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  }
}
