import type { TestProject } from "vitest/node";
import { applyMigrations, recreateDatabase } from "../runtime/database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One fresh, real Postgres database per test run (never the demo database), migrated with the
 * same `prisma migrate deploy` that production start-up runs.
 */
export default async function setup(project: TestProject) {
  const base = new URL(process.env.WHARF_TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/wharf_test");
  const databaseUrl = base.toString();
  await recreateDatabase(databaseUrl);
  await applyMigrations(databaseUrl);
  project.provide("databaseUrl", databaseUrl);
}
