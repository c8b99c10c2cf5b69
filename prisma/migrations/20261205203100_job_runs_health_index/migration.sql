-- The dashboard's job health (lib/services/dashboard): how many runs of each job are queued now,
-- how many failed in the last 24 hours, and the newest failed runs. Each is a range on
-- (status, finished_at) with the job name in the index, so they stay index scans when job_runs
-- holds hundreds of thousands of succeeded runs (scan all queues one per image).
CREATE INDEX "job_runs_status_finished_at_job_name_idx" ON "job_runs"("status", "finished_at", "job_name");
