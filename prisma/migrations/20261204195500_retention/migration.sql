-- Tag retention (lib/policy/retention.ts): one policy per project and one system-wide default
-- (system_default = true, unique), executions that fix the rules and the evaluation time of a run
-- (progress is the run's job_runs row), and what each execution decided for each artifact.

-- CreateTable
CREATE TABLE "retention_policies" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER,
    "system_default" BOOLEAN,
    "rules" JSONB NOT NULL DEFAULT '[]',
    "schedule" VARCHAR(100),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "retention_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "retention_executions" (
    "id" SERIAL NOT NULL,
    "policy_id" INTEGER NOT NULL,
    "project_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "trigger" VARCHAR(255) NOT NULL,
    "rules" JSONB NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "retention_executions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "retention_results" (
    "id" BIGSERIAL NOT NULL,
    "execution_id" INTEGER NOT NULL,
    "repository_id" INTEGER NOT NULL,
    "repository" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(128) NOT NULL,
    "tags" TEXT[],
    "decision" VARCHAR(16) NOT NULL,
    "reason" VARCHAR(1024) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "retention_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "retention_policies_project_id_key" ON "retention_policies"("project_id");

-- CreateIndex
CREATE UNIQUE INDEX "retention_policies_system_default_key" ON "retention_policies"("system_default");

-- CreateIndex
CREATE UNIQUE INDEX "retention_executions_run_id_key" ON "retention_executions"("run_id");

-- CreateIndex
CREATE INDEX "retention_executions_project_id_id_idx" ON "retention_executions"("project_id", "id" DESC);

-- CreateIndex
CREATE INDEX "retention_executions_policy_id_id_idx" ON "retention_executions"("policy_id", "id" DESC);

-- CreateIndex
CREATE INDEX "retention_results_execution_id_decision_id_idx" ON "retention_results"("execution_id", "decision", "id");

-- CreateIndex
CREATE UNIQUE INDEX "retention_results_execution_id_repository_id_digest_key" ON "retention_results"("execution_id", "repository_id", "digest");

-- AddForeignKey
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "retention_executions" ADD CONSTRAINT "retention_executions_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "retention_policies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "retention_results" ADD CONSTRAINT "retention_results_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "retention_executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
