import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations, recreateDatabase } from "../runtime/database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One fresh, real Postgres database per test run (never the demo database), migrated with the
 * same `prisma migrate deploy` that production start-up runs. Each run gets its own database
 * (wharf_<pid>_test) so two runs on one machine cannot wipe each other's; it is dropped at the end.
 */
export default async function setup(project: TestProject) {
  const databaseUrl =
    process.env.WHARF_TEST_DATABASE_URL ?? `postgresql://postgres:postgres@127.0.0.1:5432/wharf_${process.pid}_test`;
  await recreateDatabase(databaseUrl);
  await applyMigrations(databaseUrl);
  project.provide("databaseUrl", databaseUrl);
  return async () => {
    if (process.env.WHARF_TEST_DATABASE_URL) return; // a named database is kept for inspection
    const url = new URL(databaseUrl);
    const database = url.pathname.slice(1);
    url.pathname = "/postgres";
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
}
