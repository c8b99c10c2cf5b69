import Link from "next/link";
import { useTranslations } from "next-intl";
import { pageNumbers } from "@/lib/page-numbers";

/**
 * Previous / next links for a server-side paginated list. Keeps the other query parameters.
 * `numbered` adds a link per page (first, last, the current one's neighbours), as Harbor's lists
 * have, for long lists where jumping matters (the repository page).
 */
export function Pagination({
  basePath,
  params,
  page,
  pageSize,
  total,
  numbered = false,
}: {
  basePath: string;
  params: Record<string, string | undefined>;
  page: number;
  pageSize: number;
  total: number;
  numbered?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const href = (p: number) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
    search.set("page", String(p));
    return `${basePath}?${search.toString()}`;
  };
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const linkClass = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100";
  const t = useTranslations("pagination");
  return (
    <nav aria-label={t("label")} className="mt-4 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
      <span>
        {t("range", { first, last, total })}
      </span>
      <span className="flex flex-wrap items-center gap-2">
        {page > 1 ? (
          <Link className={linkClass} href={href(page - 1)} rel="prev">
            {t("previous")}
          </Link>
        ) : null}
        {numbered && pages > 1 ? (
          <span className="flex flex-wrap items-center gap-1" data-testid="page-numbers">
            {pageNumbers(page, pages).map((p, i) =>
              p === "…" ? (
                <span key={`gap-${i}`} aria-hidden="true">
                  …
                </span>
              ) : p === Math.min(page, pages) ? (
                <span key={p} aria-current="page" className="rounded-md border border-sky-700 bg-sky-700 px-3 py-1.5 text-white">
                  <span className="sr-only">{t("pageSr")}</span>
                  {p}
                </span>
              ) : (
                <Link key={p} className={linkClass} href={href(p)} aria-label={t("page", { page: p })}>
                  {p}
                </Link>
              ),
            )}
          </span>
        ) : (
          <span>
            {t("pageOf", { page: Math.min(page, pages), pages })}
          </span>
        )}
        {page < pages ? (
          <Link className={linkClass} href={href(page + 1)} rel="next">
            {t("next")}
          </Link>
        ) : null}
      </span>
    </nav>
  );
}
