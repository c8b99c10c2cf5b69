import { z } from "zod";

/**
 * The one paging schema of the REST API and the console: `page` from 1, a page size from 1 to
 * MAX_PAGE_SIZE, both as they arrive in a URL. The surfaces differ only in what they were promised:
 * the REST API keeps Harbor's default `page_size` of 10 and answers a bad value with a 400 naming
 * the field (a client must never page through data it did not ask for); console list pages show 25
 * rows and fall back to the default for a bad value in a hand-edited URL, except where a page shows
 * the field error next to its form (the audit log's rows-per-page).
 */

export const MAX_PAGE_SIZE = 100;
/** Harbor's default `page_size`. */
export const API_DEFAULT_PAGE_SIZE = 10;
/** Rows per page in the console. */
export const CONSOLE_DEFAULT_PAGE_SIZE = 25;

export const PAGE_MESSAGE = "Must be a positive integer";
export const PAGE_SIZE_MESSAGE = `Must be an integer from 1 to ${MAX_PAGE_SIZE}`;

/** A parsed page number (also what the OpenAPI document describes). */
export const ZPageNumber = z.int({ error: PAGE_MESSAGE }).min(1, PAGE_MESSAGE);
/** A parsed page size (also what the OpenAPI document describes). */
export const ZPageSizeNumber = z.int({ error: PAGE_SIZE_MESSAGE }).min(1, PAGE_SIZE_MESSAGE).max(MAX_PAGE_SIZE, PAGE_SIZE_MESSAGE);

export type Paging = { page: number; pageSize: number };

/**
 * An integer query parameter: absent or empty means the default; a repeated key counts by its
 * first value (as URLSearchParams.get); otherwise digits only, so `-1`, `1.5`, `1e9` and `0x10`
 * are refused rather than read as some other number. A number (from code, not a URL) is read as
 * its decimal text, under the same rule.
 */
function queryInt(value: z.ZodType<number, number>, message: string, fallback: number) {
  return z.preprocess(
    (v) => {
      const first: unknown = Array.isArray(v) ? v[0] : v;
      if (typeof first === "number") return String(first);
      return first === undefined || first === null || first === "" ? undefined : first;
    },
    z.string({ error: message }).regex(/^\d+$/, message).transform(Number).pipe(value).optional(),
  ).transform((v) => v ?? fallback);
}

export const pageField = () => queryInt(ZPageNumber, PAGE_MESSAGE, 1);
export const pageSizeField = (defaultPageSize: number) => queryInt(ZPageSizeNumber, PAGE_SIZE_MESSAGE, defaultPageSize);

/** The REST API's `page`/`page_size` (read into `page`/`pageSize`): a bad value is a 400. */
export const ZApiPaging = z.object({ page: pageField(), pageSize: pageSizeField(API_DEFAULT_PAGE_SIZE) });

/**
 * A console list page's `page`/`pageSize`: each bad value falls back to its default, so a mangled
 * link still shows the list.
 */
export const ZConsolePaging = z.object({
  page: pageField().catch(1),
  pageSize: pageSizeField(CONSOLE_DEFAULT_PAGE_SIZE).catch(CONSOLE_DEFAULT_PAGE_SIZE),
});
