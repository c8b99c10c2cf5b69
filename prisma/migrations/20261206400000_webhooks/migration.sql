-- Project webhooks (issue 17.1): policies in Harbor's model and a delivery log per policy.
CREATE TABLE "webhook_policies" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "event_types" TEXT[],
    "target_type" VARCHAR(16) NOT NULL,
    "address" VARCHAR(2048) NOT NULL,
    "auth_header_sealed" TEXT,
    "skip_cert_verify" BOOLEAN NOT NULL DEFAULT false,
    "creator" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "webhook_policies_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_policies_target_type_check" CHECK ("target_type" IN ('http', 'slack'))
);
CREATE UNIQUE INDEX "webhook_policies_project_id_name_key" ON "webhook_policies"("project_id", "name");
ALTER TABLE "webhook_policies" ADD CONSTRAINT "webhook_policies_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "webhook_deliveries" (
    "id" SERIAL NOT NULL,
    "policy_id" INTEGER NOT NULL,
    "event_type" VARCHAR(32) NOT NULL,
    "trigger" VARCHAR(16) NOT NULL DEFAULT 'event',
    "payload" JSONB NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "response_code" INTEGER,
    "duration_ms" INTEGER,
    "last_error" VARCHAR(2000),
    "run_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('pending', 'success', 'error'))
);
CREATE INDEX "webhook_deliveries_policy_id_id_idx" ON "webhook_deliveries"("policy_id", "id" DESC);
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "webhook_policies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
