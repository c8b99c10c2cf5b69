import type { HookRefusal, ManifestPutContext, PolicyHook, UploadBlobContext } from "@/lib/gateway/policy-hooks";
import { isDigest } from "@/lib/oci/digest";
import { parseManifestBytes } from "@/lib/oci/manifest";
import { blobUploadQuotaDecision, manifestPushQuotaDecision, type QuotaDecision } from "@/lib/services/quotas/decision";
import { manifestBlobs } from "@/lib/services/repositories/index-manifest";
import { queueQuotaExceededWebhook } from "@/lib/services/webhooks/quota";

/**
 * Project storage quotas at the /v2 gateway: the decision is the service's
 * (lib/services/quotas/decision.ts); this adapter names the blobs a pushed manifest references and
 * turns a refusal into Harbor's registry error (412 DENIED, "quota exceeded", naming the project,
 * its usage and its limit). A refusal also queues the project's QUOTA_EXCEED webhooks.
 */
function refusal(decision: Extract<QuotaDecision, { allowed: false }>): HookRefusal {
  return { status: 412, code: "DENIED", message: decision.message, reason: decision.reason };
}

export const quotaPutHook: PolicyHook<"manifest-put"> = {
  name: "quota",
  decide: ({ actor, projectId, repository, reference, manifest }: ManifestPutContext) =>
    manifestPushQuotaDecision({
      projectId,
      blobs: manifestBlobs(manifest.digest, manifest.bytes.byteLength, parseManifestBytes(manifest.bytes, manifest.mediaType)),
    }).then((decision) =>
      decision.allowed
        ? null
        : queueQuotaExceededWebhook({ actor, projectId, repository, digest: manifest.digest, tag: isDigest(reference) ? null : reference, details: decision.message }).then(() => refusal(decision)),
    ),
};

export const quotaUploadHook: PolicyHook<"blob-upload"> = {
  name: "quota",
  decide: ({ actor, projectId, repository }: UploadBlobContext) =>
    blobUploadQuotaDecision({ projectId }).then((decision) =>
      decision.allowed ? null : queueQuotaExceededWebhook({ actor, projectId, repository, digest: null, tag: null, details: decision.message }).then(() => refusal(decision)),
    ),
};
