-- The Repositories tab sorts by artifact count, pull count and last push (updated_at), newest or
-- largest first, within one project and one page at a time.
CREATE INDEX "repositories_project_id_artifact_count_id_idx" ON "repositories"("project_id", "artifact_count" DESC, "id" DESC);
CREATE INDEX "repositories_project_id_pull_count_id_idx" ON "repositories"("project_id", "pull_count" DESC, "id" DESC);
CREATE INDEX "repositories_project_id_updated_at_id_idx" ON "repositories"("project_id", "updated_at" DESC, "id" DESC);
