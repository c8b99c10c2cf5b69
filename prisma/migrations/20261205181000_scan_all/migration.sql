-- Scan all (issue 9): one row per execution; its scans are the scan.all run's fan-out children.

CREATE TABLE "scan_all_executions" (
    "id" SERIAL NOT NULL,
    "trigger" VARCHAR(16) NOT NULL,
    "triggered_by" VARCHAR(255) NOT NULL,
    "run_id" INTEGER NOT NULL,
    "queued" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),
    "stopped_by" VARCHAR(255),

    CONSTRAINT "scan_all_executions_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "scan_all_executions_run_id_key" ON "scan_all_executions"("run_id");
CREATE INDEX "scan_all_executions_trigger_id_idx" ON "scan_all_executions"("trigger", "id" DESC);
