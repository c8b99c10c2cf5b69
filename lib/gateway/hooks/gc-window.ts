import type { HookRefusal, PolicyHook, WriteContext } from "@/lib/gateway/policy-hooks";
import { currentGcWindow, type GcWindow, readOnlyMessage } from "@/lib/services/gc/window";

/**
 * Garbage collection's read-only window at the /v2 gateway (lib/services/gc/window.ts decides):
 * while a collection sweeps, every write is answered 503 UNAVAILABLE with Retry-After, in the
 * registry's error format, so docker, skopeo and podman show why; reads are served as usual. An
 * upload session begun before the window is not lost: its PATCH or PUT is refused while the window
 * lasts and accepted after (the registry keeps the session's data; the sweep never touches it).
 */
export const GC_RETRY_AFTER_SECONDS = 60;

function refusal(window: GcWindow | null, context: WriteContext): HookRefusal | null {
  if (!window) return null;
  return {
    status: 503,
    code: "UNAVAILABLE",
    message: readOnlyMessage(window),
    reason: `refused ${context.method} (${context.kind}) during garbage collection #${window.executionId}`,
    headers: { "Retry-After": String(GC_RETRY_AFTER_SECONDS) },
  };
}

export const gcWindowWriteHook: PolicyHook<"write"> = {
  name: "gc-window",
  decide: (context: WriteContext) => currentGcWindow().then((window) => refusal(window, context)),
};
