import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const execFileAsync = promisify(execFile);

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
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    return true;
  } catch (err) {
    // Two starts racing: the other one created it.
    if ((err as { code?: string }).code === "42P04") return false;
    throw err;
  } finally {
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

/** Applies pending migrations with the project's own Prisma CLI (prisma migrate deploy). */
export async function applyMigrations(databaseUrl: string): Promise<string> {
  const prismaCli = path.join(process.cwd(), "node_modules", "prisma", "build", "index.js");
  const { stdout } = await execFileAsync(process.execPath, [prismaCli, "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout;
}
