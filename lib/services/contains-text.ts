/**
 * A case-insensitive "contains" filter for Prisma on Postgres. Prisma sends `contains` as
 * `ILIKE '%' || value || '%'` without escaping, so a `%` or `_` typed by the user would be a
 * wildcard (`a_b` would also find `axb`, and `%` everything). Escaped here with LIKE's default
 * escape character, the backslash.
 */
export function escapeLikePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function containsText(value: string): { contains: string; mode: "insensitive" } {
  return { contains: escapeLikePattern(value), mode: "insensitive" };
}
