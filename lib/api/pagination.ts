import { zodMessage } from "@/lib/api/errors";
import { ValidationError } from "@/lib/errors";
import { type Paging, ZApiPaging } from "@/lib/validation/pagination";

export type { Paging };

/**
 * Harbor's `page` (from 1, default 1) and `page_size` (1-100, default 10) through the shared paging
 * schema. Invalid values are a 400 naming each field rather than silently replaced, so a client
 * never pages through the wrong data.
 */
export function parsePaging(params: URLSearchParams): Paging {
  const parsed = ZApiPaging.safeParse({ page: params.get("page"), pageSize: params.get("page_size") });
  if (!parsed.success) throw new ValidationError(zodMessage(parsed.error, { pageSize: "page_size" }));
  return parsed.data;
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
