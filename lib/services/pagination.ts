/** One page of a server-side paginated list. */
export type Page<T> = { rows: T[]; total: number; page: number; pageSize: number };

export function skipTake(page: number, pageSize: number): { skip: number; take: number } {
  return { skip: (page - 1) * pageSize, take: pageSize };
}
