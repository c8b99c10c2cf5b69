import { ValidationError } from "@/lib/errors";

/** Harbor's paging: `page` from 1 (default 1), `page_size` 1-100 (default 10). */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

export type Paging = { page: number; pageSize: number };

function positiveInt(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ValidationError(
      max === Number.MAX_SAFE_INTEGER ? `${name}: must be a positive integer` : `${name}: must be an integer from 1 to ${max}`,
    );
  }
  return value;
}

/** Invalid values are a 400 rather than silently replaced, so a client never pages through the wrong data. */
export function parsePaging(params: URLSearchParams): Paging {
  return {
    page: positiveInt(params, "page", 1, Number.MAX_SAFE_INTEGER),
    pageSize: positiveInt(params, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

/** Go's url.Values.Encode: keys sorted, values form-encoded, so our links read like Harbor's. */
function encodeSorted(params: URLSearchParams): string {
  const entries = [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(entries).toString();
}

/**
 * RFC 5988 `Link` header exactly as Harbor's BaseAPI.Links builds it: the request path and query
 * with `page`/`page_size` replaced, `<url>; rel="prev"` and `<url>; rel="next"` joined by " , ".
 * Null when there is neither.
 */
export function linkHeader(url: URL, { page, pageSize }: Paging, total: number): string | null {
  const link = (target: number, rel: string) => {
    const params = new URLSearchParams(url.searchParams);
    params.set("page", String(target));
    params.set("page_size", String(pageSize));
    return `<${url.pathname}?${encodeSorted(params)}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1 && (page - 1) * pageSize < total) links.push(link(page - 1, "prev"));
  if (page * pageSize < total) links.push(link(page + 1, "next"));
  return links.length ? links.join(" , ") : null;
}

/** A JSON list with Harbor's `X-Total-Count` and `Link` headers. */
export function listResponse(url: URL, items: unknown[], total: number, paging: Paging): Response {
  const headers = new Headers({ "X-Total-Count": String(total) });
  const links = linkHeader(url, paging, total);
  if (links) headers.set("Link", links);
  return Response.json(items, { headers });
}
