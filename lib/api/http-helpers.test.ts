import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { errorResponse, zodMessage } from "@/lib/api/errors";
import { linkHeader, parsePaging } from "@/lib/api/pagination";
import { parseQuery } from "@/lib/api/query";
import { AppError, ValidationError } from "@/lib/errors";
import { parseBasicCredentials } from "@/lib/validation/basic-credentials";

describe("parsePaging", () => {
  it("defaults to Harbor's page 1 and page_size 10", () => {
    expect(parsePaging(new URLSearchParams())).toEqual({ page: 1, pageSize: 10 });
    expect(parsePaging(new URLSearchParams("page=3&page_size=100"))).toEqual({ page: 3, pageSize: 100 });
  });

  it.each(["page_size=101", "page_size=0", "page=0", "page=-1", "page=1.5", "page_size=ten"])("refuses %s with a 400", (query) => {
    expect(() => parsePaging(new URLSearchParams(query))).toThrow(ValidationError);
  });
});

describe("linkHeader", () => {
  const url = new URL("http://localhost/api/v2.0/projects?q=name%3D~a&page=2&page_size=5");

  it("links prev and next like Harbor (sorted query, ' , ' between)", () => {
    expect(linkHeader(url, { page: 2, pageSize: 5 }, 11)).toBe(
      '</api/v2.0/projects?page=1&page_size=5&q=name%3D%7Ea>; rel="prev" , </api/v2.0/projects?page=3&page_size=5&q=name%3D%7Ea>; rel="next"',
    );
  });

  it("has no next on the last page, no prev on the first, nothing for one page", () => {
    expect(linkHeader(url, { page: 3, pageSize: 5 }, 11)).toBe('</api/v2.0/projects?page=2&page_size=5&q=name%3D%7Ea>; rel="prev"');
    expect(linkHeader(url, { page: 1, pageSize: 5 }, 11)).toBe('</api/v2.0/projects?page=2&page_size=5&q=name%3D%7Ea>; rel="next"');
    expect(linkHeader(url, { page: 1, pageSize: 5 }, 5)).toBeNull();
  });

  it("gives no prev past the end (Harbor's (page-1)*size < total rule)", () => {
    expect(linkHeader(url, { page: 9, pageSize: 5 }, 11)).toBeNull();
  });
});

describe("parseQuery", () => {
  const spec = { name: ["exact", "fuzzy"], public: ["exact"] } as const;

  it("reads exact and fuzzy terms, keys case-insensitively", () => {
    const terms = parseQuery("Name=~lib, public=true", spec);
    expect(terms.get("name")).toEqual({ op: "fuzzy", value: "lib" });
    expect(terms.get("public")).toEqual({ op: "exact", value: "true" });
    expect(parseQuery(null, spec).size).toBe(0);
  });

  it.each([
    ["owner=alice", /unsupported key "owner"/],
    ["name=[a~b]", /ranges and lists/],
    ["name={a b}", /ranges and lists/],
    ["public=~tr", /supports only public=value/],
    ["name=a,name=b", /more than once/],
    ["justtext", /not a key=value term/],
  ])("refuses %s", (q, message) => {
    expect(() => parseQuery(q, spec)).toThrow(message);
  });
});

describe("parseBasicCredentials", () => {
  const encode = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;

  it("splits at the first colon only", () => {
    expect(parseBasicCredentials(encode("robot$p+ci:se:cret"))).toEqual({ username: "robot$p+ci", password: "se:cret" });
  });

  it.each([["Bearer abc"], ["Basic !!!"], [encode("no-colon")], [encode(":nouser")]])("rejects %s", (header) => {
    expect(parseBasicCredentials(header)).toBeNull();
  });

  it.each([["nul\u0000name"], ["tab\tname"], ["del\u007fname"]])("refuses the username %j with a 401 of its own", (username) => {
    expect(() => parseBasicCredentials(encode(`${username}:secret`))).toThrow(expect.objectContaining({ status: 401, message: "The username must not contain control characters." }));
  });
});

describe("errorResponse", () => {
  it("maps AppErrors to their status and Harbor code", async () => {
    const res = errorResponse(new AppError("Project x still holds 1 repository.", 412, "PRECONDITION"), { requestId: "r1", challenge: false });
    expect(res.status).toBe(412);
    expect(await res.json()).toEqual({ errors: [{ code: "PRECONDITION", message: "Project x still holds 1 repository." }] });
  });

  it("answers unknown errors with a generic 500: no message, no stack; logs them", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = errorResponse(new Error("connection to db-internal:5432 refused"), { requestId: "r2", challenge: true });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ errors: [{ code: "UNKNOWN", message: expect.stringContaining("r2") }] });
    expect(text).not.toContain("db-internal");
    expect(text).not.toMatch(/at .*\.ts/);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(log).toHaveBeenCalledOnce();
    log.mockRestore();
  });

  it("challenges with Basic on 401 only when the caller tried header auth", () => {
    const err = new AppError("Wrong username or password.", 401, "UNAUTHORIZED");
    expect(errorResponse(err, { requestId: "r", challenge: true }).headers.get("www-authenticate")).toBe('Basic realm="wharf"');
    expect(errorResponse(err, { requestId: "r", challenge: false }).headers.get("www-authenticate")).toBeNull();
  });

  it("names nested fields the Harbor way and maps shared-schema names", () => {
    const schema = z.object({ isPublic: z.boolean(), permissions: z.array(z.object({ access: z.array(z.string()) })) });
    const result = schema.safeParse({ isPublic: "x", permissions: [{ access: [1] }] });
    expect(result.success).toBe(false);
    const message = zodMessage(result.error!, { isPublic: "metadata.public" });
    expect(message).toMatch(/^metadata\.public: .+; permissions\[0\]\.access\[0\]: .+$/);
  });
});
