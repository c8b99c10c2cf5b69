import "server-only";
import pg from "pg";
import { getServerEnv } from "@/lib/env";

// Only lib/services may import this module (enforced by ESLint), as for lib/db/client.ts.

/**
 * A small pg pool for the few statements on a registry request's path that every pull or push
 * waits for: a manifest GET's grant version read, and a manifest PUT's quota read and its index
 * write (one SQL function call). Each is one statement with a name, so Postgres plans it once per
 * connection; through pg it costs about 0.1 ms of the event loop that also streams the layers,
 * through Prisma's $queryRaw about 0.45 ms (its query engine serializes both ways), measured here
 * with sequential reads on a loaded 2-core machine and in `npm run bench gateway`'s traces.
 * Everything else goes through Prisma (lib/db/client.ts). One statement is its own transaction,
 * so a write here is as atomic as a Prisma transaction around it.
 *
 * On globalThis: Next's bundle and Wharf's front each load this module, and one pool serves both.
 */
export type HotPathStatement = { name: string; text: string };

const holder = globalThis as unknown as { wharfHotPathPool?: pg.Pool };

function hotPathPool(): pg.Pool {
  if (!holder.wharfHotPathPool) {
    // Idle connections do not keep a process alive that is otherwise done.
    const pool = new pg.Pool({ connectionString: getServerEnv().DATABASE_URL, max: 6, allowExitOnIdle: true });
    // An idle connection dropped by the server (a restart) is replaced on the next query; without a
    // listener its error event would end the process.
    pool.on("error", (error) => console.error(`wharf: hot-path database connection: ${error.message}`));
    holder.wharfHotPathPool = pool;
  }
  return holder.wharfHotPathPool;
}

/** Runs one named statement and answers its rows (bigint columns arrive as strings, as pg sends them). */
export async function hotPathQuery<Row>(statement: HotPathStatement, values: readonly unknown[] = []): Promise<Row[]> {
  const { rows } = await hotPathPool().query<Row & pg.QueryResultRow>({ ...statement, values: [...values] });
  return rows;
}
