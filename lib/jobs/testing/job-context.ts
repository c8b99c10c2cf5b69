import { jobContext } from "@/lib/jobs/attempt";
import type { JobContext } from "@/lib/jobs/define-job";
import { appendJobLog, type ClaimedJobRun } from "@/lib/services/jobs/job-runs";

/**
 * A handler's context for a run a test claimed by hand (claimJobRun), built as the attempt runner
 * builds it: steps and reports are fenced by the claimed attempt. Log lines are written at once.
 */
export function testJobContext<P>(run: ClaimedJobRun, payload: P): JobContext<P> & { logged: Promise<void> } {
  let logged = Promise.resolve();
  const ctx = jobContext(run, payload, new AbortController().signal, (line) => {
    logged = logged.then(() => appendJobLog(run.id, line));
  });
  return Object.defineProperty(ctx, "logged", { get: () => logged }) as JobContext<P> & { logged: Promise<void> };
}
