import type { HookRefusal, ManifestPutContext, PolicyHook, UploadBlobContext } from "@/lib/gateway/policy-hooks";
import { parseManifestBytes } from "@/lib/oci/manifest";
import { blobUploadQuotaDecision, manifestPushQuotaDecision, type QuotaDecision } from "@/lib/services/quotas/decision";
import { manifestBlobs } from "@/lib/services/repositories/index-manifest";

/**
 * Project storage quotas at the /v2 gateway: the decision is the service's
 * (lib/services/quotas/decision.ts); this adapter names the blobs a pushed manifest references and
 * turns a refusal into Harbor's registry error (412 DENIED, "quota exceeded", naming the project,
 * its usage and its limit).
 */
function refusal(decision: QuotaDecision): HookRefusal | null {
  if (decision.allowed) return null;
  return { status: 412, code: "DENIED", message: decision.message, reason: decision.reason };
}

export const quotaPutHook: PolicyHook<"manifest-put"> = {
  name: "quota",
  decide: ({ projectId, manifest }: ManifestPutContext) =>
    manifestPushQuotaDecision({
      projectId,
      blobs: manifestBlobs(manifest.digest, manifest.bytes.byteLength, parseManifestBytes(manifest.bytes, manifest.mediaType)),
    }).then(refusal),
};

export const quotaUploadHook: PolicyHook<"blob-upload"> = {
  name: "quota",
  decide: ({ projectId }: UploadBlobContext) => blobUploadQuotaDecision({ projectId }).then(refusal),
};
