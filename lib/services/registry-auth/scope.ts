import { ValidationError } from "@/lib/errors";
import { isValidRepositoryName } from "@/lib/oci/reference";

/**
 * Scopes as registry clients send them to the token service (Distribution's token spec,
 * docs/spec/auth/scope.md): `type[(class)]:name:action[,action…]`, e.g.
 * `repository:library/nginx:pull,push`, `repository(plugin):a/b:pull`, `registry:catalog:*`.
 * Several scopes arrive as repeated `scope` parameters or space-separated in one (both allowed).
 *
 * As in Harbor, the type ends at the first ':' and the actions start after the last one, so a name
 * holding ':' is cut predictably (and then refused below: repository names cannot contain ':').
 */
export type RegistryScope = {
  type: string;
  /** The optional `(class)` after the type, e.g. "plugin"; it does not change what is granted. */
  resourceClass: string | null;
  name: string;
  actions: string[];
};

/** Far more than any client sends (skopeo: one per repository it may mount from). */
export const MAX_SCOPES = 64;
const MAX_SCOPE_LENGTH = 512;

const TYPE_RE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const ACTION_RE = /^(?:\*|[a-z][a-z-]*)$/;
const REGISTRY_NAME_RE = /^[a-z0-9]+$/;

export class ScopeError extends ValidationError {}

/** Parses every scope parameter; throws ScopeError (400) naming the first malformed one. */
export function parseScopes(params: readonly string[]): RegistryScope[] {
  const merged = new Map<string, RegistryScope>();
  for (const param of params) {
    for (const raw of param.split(/\s+/)) {
      if (raw === "") continue;
      const scope = parseScope(raw);
      // Duplicates of one resource are merged, so the token carries one entry per resource.
      const key = `${scope.type}\0${scope.name}`;
      const existing = merged.get(key);
      if (existing) {
        for (const action of scope.actions) if (!existing.actions.includes(action)) existing.actions.push(action);
      } else {
        if (merged.size >= MAX_SCOPES) throw new ScopeError(`Too many scopes: at most ${MAX_SCOPES} per token request.`);
        merged.set(key, scope);
      }
    }
  }
  return [...merged.values()];
}

export function parseScope(raw: string): RegistryScope {
  const shown = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
  if (raw.length > MAX_SCOPE_LENGTH) throw new ScopeError(`Invalid scope ${shown}: longer than ${MAX_SCOPE_LENGTH} characters.`);
  const first = raw.indexOf(":");
  const last = raw.lastIndexOf(":");
  if (first <= 0 || last === first) {
    throw new ScopeError(`Invalid scope ${shown}: expected type:name:actions, e.g. repository:library/nginx:pull.`);
  }
  const typeMatch = TYPE_RE.exec(raw.slice(0, first));
  if (!typeMatch) throw new ScopeError(`Invalid scope ${shown}: the resource type must be lowercase letters and digits.`);
  const type = typeMatch[1] ?? "";
  const name = raw.slice(first + 1, last);
  if (name === "") throw new ScopeError(`Invalid scope ${shown}: the resource name is empty.`);
  const actions: string[] = [];
  for (const action of raw.slice(last + 1).split(",")) {
    if (action === "") continue;
    if (!ACTION_RE.test(action)) throw new ScopeError(`Invalid scope ${shown}: ${JSON.stringify(action)} is not an action.`);
    if (!actions.includes(action)) actions.push(action);
  }
  if (actions.length === 0) throw new ScopeError(`Invalid scope ${shown}: no actions (e.g. pull, push, delete or *).`);
  if (type === "repository" && !isValidRepositoryName(name)) {
    throw new ScopeError(
      `Invalid scope ${shown}: ${JSON.stringify(name)} is not a valid repository name (lowercase path components such as project/app, without a registry host).`,
    );
  }
  if (type === "registry" && !REGISTRY_NAME_RE.test(name)) {
    throw new ScopeError(`Invalid scope ${shown}: registry resources are named like "catalog".`);
  }
  return { type, resourceClass: typeMatch[2] ?? null, name, actions };
}

/** The scope string of one resource, as it appears in challenges: `repository:a/b:pull,push`. */
export function formatScope(type: string, name: string, actions: readonly string[]): string {
  return `${type}:${name}:${actions.join(",")}`;
}
