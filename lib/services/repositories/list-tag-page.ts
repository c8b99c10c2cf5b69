import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import { REGISTRY_ACTION_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { resolveRepository } from "@/lib/services/repositories/repository-access";

/** A page of `/v2/<name>/tags/list`; `tags` is null for a repository without tags (Distribution's answer). */
export type TagPage = { tags: string[] | null; nextLast: string | null };

/**
 * `/v2/<name>/tags/list` from Wharf's index, as the distribution spec pages it: tags in lexical
 * (byte) order, at most `n` after `last` (all of them without `n`), and `nextLast` when more
 * remain. Distribution 2.8 ignores both parameters and answers in file system order.
 *
 * Null when the index does not know the repository (written behind Wharf's back and not yet
 * reconciled): the caller then asks the registry, as before.
 *
 * Byte order, whatever the database's collation: a tag is ASCII, and clients compare `last` as
 * bytes. One ordered scan of the repository's tags (the (repository_id, name) index narrows it to
 * the repository), cut at n + 1.
 */
export async function listTagPage({ actor, repository, n, last }: { actor: Actor; repository: string; n: number | null; last: string | null }): Promise<TagPage | null> {
  let repositoryId: number;
  try {
    ({ repo: { id: repositoryId } } = await resolveRepository(actor, repository, REGISTRY_ACTION_PERMISSIONS.pull));
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  if (n === 0) return { tags: [], nextLast: null };
  const limit = n === null ? null : n + 1;
  const rows = await db.$queryRaw<{ name: string }[]>`
    SELECT name FROM tags
    WHERE repository_id = ${repositoryId} AND (${last}::text IS NULL OR name COLLATE "C" > ${last}::text COLLATE "C")
    ORDER BY name COLLATE "C"
    LIMIT ${limit}`;
  const more = n !== null && rows.length > n;
  const tags = (more ? rows.slice(0, n) : rows).map((row) => row.name);
  if (tags.length === 0 && last === null) return { tags: null, nextLast: null };
  return { tags, nextLast: more ? (tags.at(-1) ?? null) : null };
}
