-- Registry garbage collection (issue 11): one row per execution (Harbor's gc_id); the work is the
-- registry.gc run. The read-only window is a system setting (`registry_gc_window`).

CREATE TABLE "gc_executions" (
    "id" SERIAL NOT NULL,
    "trigger" VARCHAR(16) NOT NULL,
    "triggered_by" VARCHAR(255) NOT NULL,
    "run_id" INTEGER NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "workers" INTEGER NOT NULL DEFAULT 1,
    "blobs_eligible" INTEGER,
    "bytes_eligible" BIGINT,
    "blobs_deleted" INTEGER,
    "freed_bytes" BIGINT,
    "pinned_blobs" INTEGER,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),
    "stopped_by" VARCHAR(255),

    CONSTRAINT "gc_executions_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "gc_executions_run_id_key" ON "gc_executions"("run_id");
