-- Job run leases: a running attempt renews lease_expires_at; the job worker's sweeper on every
-- Wharf process fails a run whose lease lapsed (its worker died) and frees its pg-boss job.
ALTER TABLE "job_runs" ADD COLUMN "heartbeat_at" TIMESTAMPTZ(3),
ADD COLUMN "lease_expires_at" TIMESTAMPTZ(3);

-- Runs left "running" by a version without leases get the deadline pg-boss gave them (4 hours),
-- so the sweeper recovers them too instead of leaving them running forever.
UPDATE "job_runs" SET "lease_expires_at" = COALESCE("started_at", "queued_at") + interval '4 hours' WHERE "status" = 'running';
