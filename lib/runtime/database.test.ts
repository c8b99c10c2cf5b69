import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, ensureDatabase } from "@/lib/runtime/database";

const MIGRATIONS_DIR = path.join(process.cwd(), "prisma", "migrations");
const runDatabaseUrl = process.env.DATABASE_URL!;

/** A database name of this run that recreateDatabase's guard would also accept, dropped at the end. */
function scratchUrl(suffix: string): string {
  const url = new URL(runDatabaseUrl);
  url.pathname = `/${url.pathname.slice(1).replace(/_test$/, "")}_${suffix}_test`;
  return url.toString();
}

async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const created: string[] = [];
afterAll(async () => {
  const maintenance = new URL(runDatabaseUrl);
  maintenance.pathname = "/postgres";
  await withClient(maintenance.toString(), async (client) => {
    for (const url of created) await client.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  });
});

function migrationFolders(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function appliedMigrations(databaseUrl: string): Promise<string[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
    );
    return rows.map((row) => row.migration_name);
  });
}

describe("applyMigrations", () => {
  it("leaves Prisma's CLI alone when the database already has every migration", async () => {
    // The run's database was migrated by the global setup.
    expect(await applyMigrations(runDatabaseUrl)).toEqual({ status: "up-to-date" });
  });

  it("applies the one migration a database is missing, with Prisma's output, and is up to date afterwards", { timeout: 120_000 }, async () => {
    const url = scratchUrl("one_missing");
    created.push(url);
    expect(await ensureDatabase(url)).toBe(true);
    const folders = migrationFolders();
    const latest = folders.at(-1)!;
    // The state of a database last migrated before `latest` existed: every earlier migration's
    // SQL run, and Prisma's bookkeeping rows for them (copied from the run's database, which
    // Prisma migrated itself, so checksums and columns are exactly Prisma's).
    const earlierRows = await withClient(runDatabaseUrl, async (client) => {
      const { rows } = await client.query("SELECT * FROM _prisma_migrations WHERE migration_name <> $1 ORDER BY migration_name", [latest]);
      return rows as Record<string, unknown>[];
    });
    await withClient(url, async (client) => {
      for (const folder of folders.slice(0, -1)) await client.query(readFileSync(path.join(MIGRATIONS_DIR, folder, "migration.sql"), "utf8"));
      await client.query(`CREATE TABLE "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
      for (const row of earlierRows) {
        const columns = Object.keys(row);
        await client.query(
          `INSERT INTO _prisma_migrations (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
          columns.map((c) => row[c]),
        );
      }
    });
    expect(await appliedMigrations(url)).toEqual(folders.slice(0, -1));

    const result = await applyMigrations(url);
    expect(result).toMatchObject({ status: "applied", applied: [latest] });
    expect(result.status === "applied" ? result.output : "").toContain(latest);
    expect(await appliedMigrations(url)).toEqual(folders);
    expect(await applyMigrations(url)).toEqual({ status: "up-to-date" });
  });
});

describe("two instances starting on a fresh database", () => {
  it("both create-and-migrate at once and both succeed: one creates and migrates, the other finds it done", { timeout: 120_000 }, async () => {
    const url = scratchUrl("race");
    created.push(url);
    const start = async () => {
      const createdIt = await ensureDatabase(url);
      const migration = await applyMigrations(url);
      return { createdIt, status: migration.status };
    };
    const results = await Promise.all([start(), start()]);
    expect(results.map((r) => r.createdIt).sort()).toEqual([false, true]);
    expect(results.map((r) => r.status).sort()).toEqual(["applied", "up-to-date"]);
    expect(await appliedMigrations(url)).toEqual(migrationFolders());
  });
});
