import type { HookRefusal, PolicyHook, WriteContext } from "@/lib/gateway/policy-hooks";
import { proxyCacheWriteRefusal } from "@/lib/services/proxy-cache/write-policy";

/** Pushes into a proxy-cache project, refused as the registry refuses what it does not allow (403 DENIED). */
function refusal(context: WriteContext): HookRefusal | null {
  const what = context.kind === "upload" ? "upload" : context.kind === "blob" ? "blob-delete" : context.method === "DELETE" ? "manifest-delete" : "manifest-put";
  const refused = proxyCacheWriteRefusal(context.proxyRegistryId, what);
  return refused && { status: 403, code: "DENIED", message: refused.message, reason: refused.reason };
}

export const proxyCacheWriteHook: PolicyHook<"write"> = {
  name: "proxy-cache",
  decide: (context: WriteContext) => Promise.resolve(refusal(context)),
};
