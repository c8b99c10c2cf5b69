import { describe, expect, it } from "vitest";
import { parsePaging } from "@/lib/api/pagination";
import { ValidationError } from "@/lib/errors";
import { ZAuditLogSearch } from "@/lib/validation/audit";
import { fieldErrorsOf } from "@/lib/validation/common";
import { API_DEFAULT_PAGE_SIZE, CONSOLE_DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ZApiPaging, ZConsolePaging } from "@/lib/validation/pagination";
import { ZListProjectsQuery, ZListMembersQuery } from "@/lib/validation/projects";
import { ZArtifactDetailQuery, ZArtifactListQuery, ZRepositoryListQuery } from "@/lib/validation/repositories";
import { ZListUsersQuery } from "@/lib/validation/users";

const BAD_VALUES = ["0", "-1", "1.5", "1e1", "0x10", " 2", "abc", "99999999999999999999"];

function restError(query: string): string {
  try {
    parsePaging(new URLSearchParams(query));
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).message;
  }
  throw new Error(`${query} was accepted`);
}

describe("one paging schema", () => {
  it("reads page and page size the same way for the REST API and the console, defaults apart", () => {
    expect(ZApiPaging.parse({})).toEqual({ page: 1, pageSize: API_DEFAULT_PAGE_SIZE });
    expect(ZConsolePaging.parse({})).toEqual({ page: 1, pageSize: CONSOLE_DEFAULT_PAGE_SIZE });
    expect(ZApiPaging.parse({ page: "", pageSize: null })).toEqual({ page: 1, pageSize: 10 });
    expect(ZApiPaging.parse({ page: "7", pageSize: String(MAX_PAGE_SIZE) })).toEqual({ page: 7, pageSize: 100 });
    expect(ZConsolePaging.parse({ page: "7", pageSize: "100" })).toEqual({ page: 7, pageSize: 100 });
    // Numbers passed from code follow the same rule as their text.
    expect(ZConsolePaging.parse({ page: 2, pageSize: 3 })).toEqual({ page: 2, pageSize: 3 });
    expect(ZConsolePaging.parse({ page: 1.5, pageSize: -3 })).toEqual({ page: 1, pageSize: CONSOLE_DEFAULT_PAGE_SIZE });
    // A repeated key counts by its first value, as URLSearchParams.get does for the REST API.
    expect(ZConsolePaging.parse({ page: ["3", "9"], pageSize: ["50", "x"] })).toEqual({ page: 3, pageSize: 50 });
  });

  it.each(BAD_VALUES)("REST: page=%s is a 400 naming page", (value) => {
    expect(restError(`page=${encodeURIComponent(value)}`)).toBe("page: Must be a positive integer");
  });

  it.each([...BAD_VALUES, "101"])("REST: page_size=%s is a 400 naming page_size", (value) => {
    expect(restError(`page_size=${encodeURIComponent(value)}`)).toBe("page_size: Must be an integer from 1 to 100");
  });

  it("REST: both fields at fault are named in one answer; the limits themselves pass", () => {
    expect(restError("page=0&page_size=101")).toBe("page: Must be a positive integer; page_size: Must be an integer from 1 to 100");
    expect(parsePaging(new URLSearchParams("page=1&page_size=1"))).toEqual({ page: 1, pageSize: 1 });
    expect(parsePaging(new URLSearchParams(`page=${Number.MAX_SAFE_INTEGER}&page_size=100`))).toEqual({ page: Number.MAX_SAFE_INTEGER, pageSize: 100 });
  });

  it.each(BAD_VALUES)("console list pages fall back to the defaults for %s", (value) => {
    const bad = { page: value, pageSize: value };
    const defaults = { page: 1, pageSize: CONSOLE_DEFAULT_PAGE_SIZE };
    expect(ZListProjectsQuery.parse(bad)).toMatchObject(defaults);
    expect(ZListMembersQuery.parse(bad)).toMatchObject(defaults);
    expect(ZListUsersQuery.parse(bad)).toMatchObject(defaults);
    expect(ZRepositoryListQuery.parse(bad)).toMatchObject(defaults);
    expect(ZArtifactListQuery.parse(bad)).toMatchObject(defaults);
    expect(ZArtifactDetailQuery.parse(bad)).toEqual({ page: 1 });
    // One bad field does not reset the other.
    expect(ZListProjectsQuery.parse({ page: "4", pageSize: value })).toMatchObject({ page: 4, pageSize: CONSOLE_DEFAULT_PAGE_SIZE });
  });

  it("console list pages cap the page size at 100 like the REST API", () => {
    expect(ZConsolePaging.parse({ page: "101", pageSize: "101" })).toEqual({ page: 101, pageSize: CONSOLE_DEFAULT_PAGE_SIZE });
    expect(ZConsolePaging.parse({ pageSize: "100" }).pageSize).toBe(MAX_PAGE_SIZE);
  });

  it("the audit log's rows-per-page shows the same message as a field error, and the same limits", () => {
    const bad = ZAuditLogSearch.safeParse({ size: "101" });
    expect(bad.success).toBe(false);
    expect(fieldErrorsOf(bad.error!)).toEqual({ size: ["Must be an integer from 1 to 100"] });
    expect(ZAuditLogSearch.parse({}).size).toBe(CONSOLE_DEFAULT_PAGE_SIZE);
    expect(ZAuditLogSearch.parse({ size: "100" }).size).toBe(100);
  });
});
