import type { RegistryAction } from "@/lib/services/authz/project-roles";

/**
 * What a /v2 request touches, as the gateway parsed it (lib/gateway/gateway-path.ts). Plain data:
 * the services decide on it, the gateway owns the HTTP around it.
 */
export type RegistryTarget =
  | { kind: "tags"; name: string }
  | { kind: "manifest"; name: string; reference: string }
  /** GET /v2/<name>/referrers/<digest>: a listing, read (pull) like the manifests it lists. */
  | { kind: "referrers"; name: string; digest: string }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "upload-start"; name: string }
  | { kind: "upload"; name: string; uploadId: string };

/**
 * What a request needs in the token, by method (Distribution's rule: reads pull, deletes delete,
 * writes pull and push), except that cancelling an upload session (DELETE on `kind` "upload") is
 * part of pushing and needs what the upload needed. Distribution asks delete for it, which
 * containers/image (podman, skopeo) calls wrong: it cancels the upload a mount answered 202 with
 * its push token, and a Developer would be refused and get a failure row for a push that worked.
 */
export function actionsFor(method: string, kind?: RegistryTarget["kind"]): RegistryAction[] {
  if (method === "GET" || method === "HEAD") return ["pull"];
  if (method === "DELETE" && kind !== "upload") return ["delete"];
  return ["pull", "push"];
}
