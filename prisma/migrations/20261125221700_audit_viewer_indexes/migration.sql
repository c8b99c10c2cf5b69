-- Indexes for the audit log viewer: one per filter, each ending in the viewer order (occurred_at DESC,
-- id DESC), so a filtered first page and a deep keyset page are each one index range scan.
-- varchar_pattern_ops lets "starts with" (LIKE x%) use the index whatever the collation.
-- DropIndex
DROP INDEX "audit_events_actor_name_occurred_at_idx";

-- DropIndex
DROP INDEX "audit_events_project_id_occurred_at_idx";

-- CreateIndex
CREATE INDEX "audit_events_actor_name_occurred_at_id_idx" ON "audit_events"("actor_name" varchar_pattern_ops, "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_project_id_occurred_at_id_idx" ON "audit_events"("project_id", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_action_occurred_at_id_idx" ON "audit_events"("action", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_resource_type_occurred_at_id_idx" ON "audit_events"("resource_type", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_result_occurred_at_id_idx" ON "audit_events"("result", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_resource_name_occurred_at_id_idx" ON "audit_events"("resource_name" varchar_pattern_ops, "occurred_at" DESC, "id" DESC);

