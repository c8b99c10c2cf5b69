import { isDigest } from "@/lib/oci/digest";
import type { HookRefusal, ManifestDeleteContext, ManifestPutContext, PolicyHook } from "@/lib/gateway/policy-hooks";
import { artifactDeleteDecision, tagChangeDecision, type TagChangeDecision } from "@/lib/services/tag-policy/decision";

/**
 * Tag immutability and the tag naming policy at the /v2 gateway, as policy hooks: the decision is
 * the service's (lib/services/tag-policy), this adapter only turns a refusal into the registry
 * error (412 DENIED, with the message naming the rule or showing the pattern). A push by digest
 * names no tag and is never refused here.
 */
function refusal(decision: TagChangeDecision): HookRefusal | null {
  if (decision.allowed) return null;
  return { status: 412, code: "DENIED", message: decision.message, reason: decision.reason };
}

export const tagPolicyPutHook: PolicyHook<"manifest-put"> = {
  name: "tag-policy",
  decide: ({ projectId, repository, reference, manifest }: ManifestPutContext) =>
    isDigest(reference)
      ? Promise.resolve(null)
      : tagChangeDecision({ projectId, repository, tag: reference, newDigest: manifest.digest, kind: "push" }).then(refusal),
};

export const tagPolicyDeleteHook: PolicyHook<"manifest-delete"> = {
  name: "tag-policy",
  decide: ({ projectId, repository, reference }: ManifestDeleteContext) =>
    (isDigest(reference)
      ? artifactDeleteDecision({ projectId, repository, digest: reference })
      : tagChangeDecision({ projectId, repository, tag: reference, kind: "delete" })
    ).then(refusal),
};
