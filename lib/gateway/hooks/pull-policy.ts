import type { HookRefusal, ManifestGetContext, PolicyHook } from "@/lib/gateway/policy-hooks";
import { pullPolicyDecision, type PullDecision } from "@/lib/services/pull-policy/decision";

/**
 * The project's pull policy at the /v2 gateway (lib/services/pull-policy decides): a refused
 * manifest GET answers 412 DENIED with the service's message, which names the policy and the
 * highest severity. A HEAD is served: it runs nothing, and clients HEAD before they decide to pull.
 */
function refusal(decision: PullDecision): HookRefusal | null {
  if (decision.allowed) return null;
  return { status: 412, code: "DENIED", message: decision.message, reason: decision.reason };
}

export const pullPolicyGetHook: PolicyHook<"manifest-get"> = {
  name: "pull-policy",
  decide: ({ actor, projectId, repository, reference, method }: ManifestGetContext) =>
    method === "HEAD" ? Promise.resolve(null) : pullPolicyDecision({ actor, projectId, repository, reference }).then(refusal),
};
