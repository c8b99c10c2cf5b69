import path from "node:path";
import { defineConfig } from "prisma/config";
import { MigratePg } from "./prisma/migrate-adapter";

// A prisma.config.ts turns off Prisma's automatic .env loading; load it ourselves (Node >= 20.12).
try {
  process.loadEnvFile(".env");
} catch {
  // no .env: the environment alone configures Wharf
}

// Without a resolvable DATABASE_URL the CLI cannot see engineType = "client" and would try to
// download a Rust query engine (no network for that here). Nothing loads this path: the client
// uses the WASM query compiler.
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= "/dev/null";

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  experimental: { adapter: true },
  // WebAssembly schema engine bundled in the prisma package: no schema-engine binary download.
  engine: "js",
  adapter: async () => new MigratePg(process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf"),
});
