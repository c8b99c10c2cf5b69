import { ValidationError } from "@/lib/errors";

/**
 * Harbor's `q` query language, the subset Wharf supports: comma-separated terms, each either an
 * exact match `key=value` or a fuzzy (substring, case-insensitive) match `key=~value`.
 * Ranges `k=[a~b]` and lists `k={a b}` / `k=(a b)` are refused with a 400, as are keys an endpoint
 * does not support: a filter that is silently ignored would return more than the caller asked for.
 * Keys are matched case-insensitively (Harbor's robot filter spells them `Level` and `ProjectID`).
 */
/**
 * The `q` parameter as Harbor's q builder reads it: URL-decoded a second time after the query
 * string's own decoding, so a client that encodes `=`, `~`, `/` or `,` inside q (`name%3D%7Eapp`
 * arriving as such) gets the same terms as one that does not. Only well-formed `%XX` escapes (of
 * valid UTF-8) are decoded: a lone `%` stays a literal `%`, and `+` stays `+` (an ISO time's
 * offset in an audit query must not become a space).
 */
export function harborQ(params: URLSearchParams): string | null {
  const q = params.get("q");
  if (q === null || !q.includes("%")) return q;
  return q.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** `andList`: Harbor's `k=(v1 v2)` (every value must hold), offered only by keys that say so; `value` is the inside of the brackets. */
export type QueryTerm = { op: "exact" | "fuzzy" | "andList"; value: string };

export type QuerySpec = Readonly<Record<string, readonly QueryTerm["op"][]>>;

/** The terms of `q`, each with an op its key allows (the result's ops are those of the spec). */
export function parseQuery<Op extends QueryTerm["op"] = QueryTerm["op"]>(q: string | null, spec: Readonly<Record<string, readonly Op[]>>): Map<string, { op: Op; value: string }> {
  const terms = new Map<string, { op: Op; value: string }>();
  if (q === null || q.trim() === "") return terms;
  const supported = Object.keys(spec).join(", ");
  for (const raw of q.split(",")) {
    const term = raw.trim();
    if (term === "") continue;
    const eq = term.indexOf("=");
    if (eq <= 0) throw new ValidationError(`q: "${term}" is not a key=value term`);
    const key = term.slice(0, eq).trim().toLowerCase();
    let value = term.slice(eq + 1).trim();
    const allowed: readonly QueryTerm["op"][] | undefined = spec[key];
    if (!allowed) throw new ValidationError(`q: unsupported key "${key}" (supported: ${supported})`);
    if (terms.has(key)) throw new ValidationError(`q: "${key}" is given more than once`);
    let op: QueryTerm["op"] = "exact";
    if (value.startsWith("~")) {
      op = "fuzzy";
      value = value.slice(1);
    } else if (allowed.includes("andList") && value.startsWith("(") && value.endsWith(")")) {
      op = "andList";
      value = value.slice(1, -1).trim();
    } else if (/^[[{(]/.test(value)) {
      throw new ValidationError(`q: ranges and lists are not supported (use ${key}=value or ${key}=~value)`);
    }
    if (!allowed.includes(op)) {
      const forms = { exact: `${key}=value`, fuzzy: `${key}=~value`, andList: `${key}=(value value)` };
      throw new ValidationError(`q: "${key}" supports only ${allowed.map((o) => forms[o]).join(" or ")}`);
    }
    // `allowed` (the spec's ops for this key) includes `op`, checked above.
    terms.set(key, { op: op as Op, value });
  }
  return terms;
}

/** Harbor's boolean query values. */
export function parseBooleanParam(name: string, value: string | null): boolean | undefined {
  if (value === null || value === "") return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new ValidationError(`${name}: must be true or false`);
}
