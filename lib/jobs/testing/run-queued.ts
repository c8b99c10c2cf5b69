import { runAttempt } from "@/lib/jobs/attempt";
import { getBoss } from "@/lib/jobs/boss";
import type { JobDefinition } from "@/lib/jobs/define-job";
import { getQueuedJob } from "@/lib/services/jobs/job-runs";

/**
 * Runs one queued run to its end in this process, as the worker would run its attempt, without
 * a polling worker: for tests that queue through a service and then need the job's outcome. Its
 * pg-boss job is cancelled first, so no worker of another test file runs it too; an attempt that
 * fails is final (no pg-boss retry) and its error is thrown.
 */
export async function runQueuedRun<P>(job: JobDefinition<P>, runId: number): Promise<unknown> {
  const queued = await getQueuedJob(runId);
  if (!queued?.bossJobId || queued.jobName !== job.id) throw new Error(`run #${runId} is not a queued ${job.id} run`);
  const boss = await getBoss();
  const bossJob = await boss.getJobById(job.id, queued.bossJobId);
  if (!bossJob) throw new Error(`run #${runId}: pg-boss has no job ${queued.bossJobId}`);
  await boss.cancel(job.id, bossJob.id);
  return runAttempt(job, { id: bossJob.id, data: bossJob.data, retryCount: 0, retryLimit: 0 });
}
