/**
 * Starts Wharf for the end-to-end tests: a freshly recreated e2e database (never the demo's),
 * then the same launcher `npm start` uses, with its own Distribution registry.
 */
import { recreateDatabase } from "../lib/runtime/database";
import { startWharf } from "../lib/runtime/wharf";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL must name the e2e database");
await recreateDatabase(databaseUrl);
await startWharf();
