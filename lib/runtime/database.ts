import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const execFileAsync = promisify(execFile);

/**
 * Wharf's advisory locks: pg_advisory_lock(WHARF_LOCK_SPACE, purpose). Several instances starting
 * at once take them in turn around creating and migrating the database, so the second finds the
 * first one's work done instead of failing on it: a racing CREATE DATABASE fails with 23505 (or
 * 42P04), and Prisma's own migration lock gives up after 10 s (P1002) while another migrate holds
 * it. Session locks: a crashed holder's connection closing releases them.
 */
const WHARF_LOCK_SPACE = 0x57484152; // "WHAR"
/** Second key for creating a database: hashtext(name), on the maintenance database. */
const CREATE_DATABASE_LOCK_SQL = "SELECT pg_advisory_lock($1, hashtext($2))";
/** Second key for migrating, on the target database itself. */
const MIGRATE_LOCK = 1;

/** Quotes an identifier for SQL text (CREATE DATABASE takes no parameters). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function splitDatabaseUrl(databaseUrl: string): { maintenanceUrl: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  if (!database) throw new Error(`DATABASE_URL names no database: ${url.origin}`);
  url.pathname = "/postgres";
  return { maintenanceUrl: url.toString(), database };
}

/** Creates the database DATABASE_URL names when it does not exist yet. Returns true if created. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { maintenanceUrl, database } = splitDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `Cannot reach Postgres at ${new URL(databaseUrl).host}: ${(err as Error).message}. ` +
        "Start it (npm run demo does this on a local machine) or set DATABASE_URL.",
    );
  }
  try {
    await client.query(CREATE_DATABASE_LOCK_SQL, [WHARF_LOCK_SPACE, database]);
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    return true;
  } catch (err) {
    // Created at the same moment by something that does not take Wharf's lock: 42P04 when it
    // had committed, 23505 (pg_database's unique name index) when it was committing.
    const code = (err as { code?: string }).code;
    if (code === "42P04" || code === "23505") return false;
    throw err;
  } finally {
    // Ending the session releases the lock.
    await client.end();
  }
}

/** Drops and recreates a database: for test runs only, never the demo's database. */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const { maintenanceUrl, database } = splitDatabaseUrl(databaseUrl);
  if (!/(^|_)(test|e2e|bench)(_|$)/.test(database)) {
    throw new Error(`Refusing to drop ${database}: only *_test, *_e2e and *_bench databases are recreated.`);
  }
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
  } finally {
    await client.end();
  }
}

export type MigrationResult =
  | { status: "up-to-date" }
  /** `applied`: the migrations that were missing; `output`: what Prisma printed (warnings included). */
  | { status: "applied"; applied: string[]; output: string };

/**
 * Brings the database to the latest migration under prisma/migrations. Prisma's CLI (`prisma
 * migrate deploy`) runs only when a migration is missing: it costs seconds even with nothing to
 * do (its process waits out an idle timer before exiting), which every restart would pay.
 * Under Wharf's migrate lock, so instances starting together migrate one after another.
 */
export async function applyMigrations(
  databaseUrl: string,
  { migrationsDir = path.join(process.cwd(), "prisma", "migrations") }: { migrationsDir?: string } = {},
): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1, $2)", [WHARF_LOCK_SPACE, MIGRATE_LOCK]);
    const missing = await missingMigrations(client, migrationsDir);
    if (missing.length === 0) return { status: "up-to-date" };
    return { status: "applied", applied: missing, output: await runPrismaMigrateDeploy(databaseUrl) };
  } finally {
    await client.end();
  }
}

/**
 * Migration folders (those holding a migration.sql, as Prisma counts them) that the database has
 * not finished applying. A row that failed or was rolled back does not count as applied: Prisma
 * then runs, and reports or repairs it.
 */
async function missingMigrations(client: pg.Client, migrationsDir: string): Promise<string[]> {
  const folders = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(migrationsDir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
  let applied: Set<string>;
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    applied = new Set(rows.map((row) => row.migration_name));
  } catch (err) {
    // A new database: Prisma has not created its table yet.
    if ((err as { code?: string }).code === "42P01") applied = new Set();
    else throw err;
  }
  return folders.filter((name) => !applied.has(name));
}

/** `prisma migrate deploy` with the project's own CLI; its output (stdout and stderr) is returned whole. */
async function runPrismaMigrateDeploy(databaseUrl: string): Promise<string> {
  const prismaCli = path.join(process.cwd(), "node_modules", "prisma", "build", "index.js");
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [prismaCli, "migrate", "deploy"], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      maxBuffer: 10 * 1024 * 1024,
    });
    return [stdout, stderr].filter((text) => text.trim()).join("\n");
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`prisma migrate deploy failed:\n${[stdout, stderr].filter((text) => text.trim()).join("\n").trim()}`, { cause: err });
  }
}
