/**
 * Which page links a numbered pager shows: the first and last page, the current one and its
 * neighbours, with "…" for the gaps (a gap of one page shows that page instead: "…" would hide no
 * more than a number). Pure, so it is tested without rendering.
 */
export function pageNumbers(page: number, pages: number, around = 1): (number | "…")[] {
  if (pages <= 1) return [1];
  const current = Math.min(Math.max(1, page), pages);
  const wanted = new Set<number>([1, pages]);
  for (let p = current - around; p <= current + around; p++) if (p >= 1 && p <= pages) wanted.add(p);
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | "…")[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (typeof last === "number" && p - last === 2) out.push(last + 1);
    else if (typeof last === "number" && p - last > 2) out.push("…");
    out.push(p);
  }
  return out;
}
