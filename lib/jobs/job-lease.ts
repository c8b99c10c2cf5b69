import type { JobLeaseTiming } from "@/lib/jobs/define-job";
import { JobLeaseLostError, renewJobLease } from "@/lib/services/jobs/job-runs";

/**
 * Keeps a running attempt's lease on its JobRun row: renews it every `renewMs` while the attempt
 * runs. When a renewal finds the run no longer this attempt's (the sweeper took it back after the
 * lease lapsed: this process was frozen or cut off from the database for longer than the lease),
 * `signal` aborts so the handler stops instead of working on beside the attempt that takes over.
 * A renewal that fails (database unreachable) is retried at the next tick: the lease may still hold.
 */
export type JobLease = { signal: AbortSignal; stop(): void };

export function holdJobLease(run: { id: number; attempt: number }, timing: JobLeaseTiming): JobLease {
  const controller = new AbortController();
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing || controller.signal.aborted) return;
    renewing = true;
    renewJobLease(run.id, run.attempt, timing.leaseMs)
      .then((held) => {
        if (!held) controller.abort(new JobLeaseLostError(run.id));
      })
      .catch(() => undefined)
      .finally(() => {
        renewing = false;
      });
  }, timing.renewMs);
  // A lease timer alone must not keep a process alive that is otherwise done.
  timer.unref();
  return {
    signal: controller.signal,
    stop: () => clearInterval(timer),
  };
}
