import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { getServerEnv } from "@/lib/env";
import { OidFixClient } from "@/lib/db/pg-oid-fix";

// Only lib/services may import this module (enforced by ESLint): the service layer is where
// every query is authorized and scoped.

const globalForPrisma = globalThis as unknown as { wharfPrisma?: PrismaClient };

function createClient(): PrismaClient {
  // `Client` lets $queryRaw return `name` / "char" columns as strings (see pg-oid-fix.ts).
  const pool: PoolConfig = { connectionString: getServerEnv().DATABASE_URL, Client: OidFixClient, max: 10 };
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

export const db: PrismaClient = globalForPrisma.wharfPrisma ?? createClient();
globalForPrisma.wharfPrisma = db;

export type DbTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
