import "server-only";
import type { SealContext } from "@/lib/crypto/sealed-secret";

/** A policy's auth header is sealed to its row (lib/crypto/sealed-secret). */
export function authHeaderSeal(policyId: number): SealContext {
  return { purpose: "wharf webhook auth header v1", binding: `webhook_policy:${policyId}`, what: "a webhook's auth header" };
}
