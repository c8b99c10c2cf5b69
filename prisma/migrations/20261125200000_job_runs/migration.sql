-- Background job runs (lib/jobs): status, progress, log and checkpoint shown in the console.
CREATE TYPE "JobRunStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

CREATE TABLE "job_runs" (
    "id" SERIAL NOT NULL,
    "job_name" VARCHAR(64) NOT NULL,
    "job_version" INTEGER NOT NULL,
    "boss_job_id" VARCHAR(64),
    "status" "JobRunStatus" NOT NULL DEFAULT 'queued',
    "trigger" VARCHAR(255) NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "progress_done" INTEGER NOT NULL DEFAULT 0,
    "progress_total" INTEGER,
    "checkpoint" VARCHAR(255),
    "log" TEXT NOT NULL DEFAULT '',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_runs_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "job_runs_boss_job_id_key" ON "job_runs"("boss_job_id");
CREATE INDEX "job_runs_job_name_queued_at_idx" ON "job_runs"("job_name", "queued_at" DESC);
