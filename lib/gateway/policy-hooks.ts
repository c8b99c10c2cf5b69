import type { Actor, ClientInfo } from "@/lib/auth/actor";
import type { MountFrom } from "@/lib/gateway/gateway-path";
import { gcWindowWriteHook } from "@/lib/gateway/hooks/gc-window";
import { proxyCacheWriteHook } from "@/lib/gateway/hooks/proxy-cache";
import { pullPolicyGetHook } from "@/lib/gateway/hooks/pull-policy";
import { quotaPutHook, quotaUploadHook } from "@/lib/gateway/hooks/quota";
import { tagPolicyDeleteHook, tagPolicyPutHook } from "@/lib/gateway/hooks/tag-policy";
import type { CheckedManifest } from "@/lib/gateway/manifest-body";
import { mayPullNow } from "@/lib/services/registry-auth/authorize-registry-request";
import type { GrantReader } from "@/lib/services/registry-auth/current-grant";
import type { RegistryCaller } from "@/lib/services/registry-auth/registry-caller";

/**
 * Policy hook points of the /v2 pipeline: after a request is authorized and before it is served,
 * each point asks its hooks, in order, for a decision. A hook is an adapter: it asks a service
 * (which reads Postgres and decides) and hands back plain data; the gateway turns a refusal into
 * the registry error and a failure audit row (recordRegistryRefusal), as it does for every other
 * refused push, pull or delete.
 *
 * - write: any request that would change the registry's storage (a blob upload's POST, PATCH or
 *   PUT, a manifest PUT or DELETE, a blob DELETE), before anything else is read or forwarded;
 *   a proxy-cache project refuses pushes, and garbage collection's read-only window every write, here.
 * - manifest-put: after the manifest body check (size, media type, JSON outline, digest), which
 *   every hook needs done first; immutable tags and quotas decide here.
 * - manifest-delete: before a manifest DELETE (by tag or by digest) is served; immutable tags.
 * - manifest-get: before a manifest GET or HEAD is forwarded; vulnerability and signature policy.
 * - miss: the backing registry answered 404 to a manifest or blob read; a hook that fetches the
 *   content into it ("filled") gets the request forwarded once more. The proxy cache does not use
 *   it: its client must get the upstream's bytes as they arrive, which a decision cannot carry,
 *   so stage 5 answers a proxy-cache project's reads itself (lib/gateway/proxy.ts).
 * - blob-upload: a blob upload is starting (POST …/blobs/uploads/, mount or not); quotas refuse
 *   it once the project is over its limit.
 * - upload-start: a blob upload that asks to mount a blob from another repository; the mount is
 *   dropped unless the caller may pull that repository now (the registry then starts a normal
 *   upload and the client sends the blob itself).
 *
 * The lists are built once, at load; a request with no hook at a point pays nothing for it (no
 * await, no allocation).
 */

/** A refusal: answered with `status` and the registry error `code`/`message`; `reason` goes to the audit row. */
export type HookRefusal = { status: number; code: string; message: string; reason: string; headers?: Record<string, string> };

export type WriteContext = {
  actor: Actor;
  projectId: number;
  repository: string;
  method: string;
  kind: "upload" | "manifest" | "blob";
  /** The project's upstream when it is a proxy cache (which refuses pushes). */
  proxyRegistryId: number | null;
};
export type ManifestPutContext = { actor: Actor; projectId: number; repository: string; reference: string; manifest: CheckedManifest };
export type ManifestDeleteContext = { actor: Actor; projectId: number; repository: string; reference: string };
export type ManifestGetContext = { actor: Actor; projectId: number; repository: string; reference: string; method: "GET" | "HEAD" };
export type MissContext = {
  actor: Actor;
  projectId: number;
  repository: string;
  /** The manifest reference or blob digest the registry did not have. */
  reference: string;
  kind: "manifest" | "blob";
  method: "GET" | "HEAD";
};
export type UploadBlobContext = { actor: Actor; projectId: number; repository: string };
export type UploadStartContext = { caller: RegistryCaller; grants: GrantReader; client: ClientInfo; mountFrom: MountFrom };

/** What each point's hooks decide; null is "nothing to say", and the next hook is asked. */
type Decisions = {
  write: HookRefusal;
  "manifest-put": HookRefusal;
  "manifest-delete": HookRefusal;
  "manifest-get": HookRefusal;
  miss: "filled";
  "blob-upload": HookRefusal;
  "upload-start": "drop-mount";
};
type Contexts = {
  write: WriteContext;
  "manifest-put": ManifestPutContext;
  "manifest-delete": ManifestDeleteContext;
  "manifest-get": ManifestGetContext;
  miss: MissContext;
  "blob-upload": UploadBlobContext;
  "upload-start": UploadStartContext;
};

export type HookPoint = keyof Decisions;

export type PolicyHook<P extends HookPoint> = {
  /** Names the hook in logs and tests. */
  name: string;
  /** A plain function returning the service's promise: an async wrapper would cost each request an await. */
  decide: (context: Contexts[P]) => Promise<Decisions[P] | null>;
};

/** The mount source check: a service decision (mayPullNow), the same the request itself passed. */
const mountSource: PolicyHook<"upload-start"> = {
  name: "mount-source",
  decide: ({ caller, grants, client, mountFrom }) => mayPullNow(caller, mountFrom.from, grants, client).then(dropUnlessAllowed),
};

function dropUnlessAllowed(allowed: boolean): "drop-mount" | null {
  return allowed ? null : "drop-mount";
}

const hooks: { [P in HookPoint]: PolicyHook<P>[] } = {
  // A proxy-cache project takes no pushes (lib/gateway/hooks/proxy-cache.ts); garbage
  // collection's read-only window (lib/gateway/hooks/gc-window.ts).
  write: [proxyCacheWriteHook, gcWindowWriteHook],
  // Tag immutability and naming (lib/gateway/hooks/tag-policy.ts): every project may have rules;
  // then the project's storage quota (lib/gateway/hooks/quota.ts), so a push refused for its tag
  // is not reported as over quota.
  "manifest-put": [tagPolicyPutHook, quotaPutHook],
  "manifest-delete": [tagPolicyDeleteHook],
  // Vulnerability, scan and signature policy (lib/gateway/hooks/pull-policy.ts).
  "manifest-get": [pullPolicyGetHook],
  miss: [],
  "blob-upload": [quotaUploadHook],
  "upload-start": [mountSource],
};

/**
 * The first decision of the hooks at `point`, or null (synchronously, when it has none: the
 * caller then does not await at all). One hook is called directly.
 */
export function decide<P extends HookPoint>(point: P, context: Contexts[P]): Promise<Decisions[P] | null> | null {
  const list = hooks[point];
  if (list.length === 0) return null;
  if (list.length === 1) return list[0]!.decide(context);
  return firstDecision(list, context);
}

async function firstDecision<P extends HookPoint>(list: readonly PolicyHook<P>[], context: Contexts[P]): Promise<Decisions[P] | null> {
  for (const hook of list) {
    const decision = await hook.decide(context);
    if (decision !== null) return decision;
  }
  return null;
}

/** Whether `point` has any hook: a caller checks before building the context it would pass. */
export function hasPolicyHooks(point: HookPoint): boolean {
  return hooks[point].length > 0;
}

/**
 * Adds a hook at the end of `point`'s list (at startup, by the module that owns the policy) and
 * returns the function that takes it out again.
 */
export function registerPolicyHook<P extends HookPoint>(point: P, hook: PolicyHook<P>): () => void {
  const list = hooks[point];
  list.push(hook);
  return () => {
    const at = list.indexOf(hook);
    if (at >= 0) list.splice(at, 1);
  };
}

/** The names of the hooks at `point`, in order. */
export function policyHookNames(point: HookPoint): string[] {
  return hooks[point].map((hook) => hook.name);
}
