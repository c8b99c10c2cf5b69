-- Replication (issue 12): policies (push or pull against a registry endpoint, lib/policy's
-- replication filters, destination naming, trigger), executions (one run of a policy) and tasks
-- (one per artifact, written when the run plans, so a retry reruns exactly the failed ones).

-- CreateTable
CREATE TABLE "replication_policies" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "direction" VARCHAR(8) NOT NULL,
    "endpoint_id" INTEGER NOT NULL,
    "filters" JSONB NOT NULL,
    "dest_namespace" VARCHAR(255),
    "flattening" INTEGER NOT NULL DEFAULT 1,
    "override" BOOLEAN NOT NULL DEFAULT true,
    "replicate_deletion" BOOLEAN NOT NULL DEFAULT false,
    "trigger_type" VARCHAR(16) NOT NULL DEFAULT 'manual',
    "cron" VARCHAR(100),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "bandwidth_limit" INTEGER,
    "copy_parallelism" INTEGER NOT NULL DEFAULT 4,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "replication_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "replication_executions" (
    "id" SERIAL NOT NULL,
    "policy_id" INTEGER NOT NULL,
    "run_id" INTEGER,
    "trigger" VARCHAR(16) NOT NULL,
    "triggered_by" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'InProgress',
    "status_text" VARCHAR(1024) NOT NULL DEFAULT '',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "replication_executions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "replication_tasks" (
    "id" SERIAL NOT NULL,
    "execution_id" INTEGER NOT NULL,
    "run_id" INTEGER,
    "operation" VARCHAR(8) NOT NULL,
    "resource_type" VARCHAR(16) NOT NULL,
    "src_repository" VARCHAR(255) NOT NULL,
    "dst_repository" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(128) NOT NULL,
    "tags" TEXT[],
    "reason" VARCHAR(1024) NOT NULL DEFAULT '',
    "status" VARCHAR(16) NOT NULL DEFAULT 'Pending',
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "log" TEXT NOT NULL DEFAULT '',
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "replication_tasks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "replication_policies_name_key" ON "replication_policies"("name");

-- CreateIndex
CREATE INDEX "replication_policies_endpoint_id_idx" ON "replication_policies"("endpoint_id");

-- CreateIndex
CREATE UNIQUE INDEX "replication_executions_run_id_key" ON "replication_executions"("run_id");

-- CreateIndex
CREATE INDEX "replication_executions_policy_id_id_idx" ON "replication_executions"("policy_id", "id" DESC);

-- CreateIndex
CREATE INDEX "replication_tasks_execution_id_status_id_idx" ON "replication_tasks"("execution_id", "status", "id");

-- AddForeignKey
ALTER TABLE "replication_policies" ADD CONSTRAINT "replication_policies_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "registry_endpoints"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "replication_executions" ADD CONSTRAINT "replication_executions_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "replication_policies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "replication_tasks" ADD CONSTRAINT "replication_tasks_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "replication_executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
