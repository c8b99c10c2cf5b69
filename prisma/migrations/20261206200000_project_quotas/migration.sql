-- Project quotas: storage counted as the bytes of the DISTINCT blobs a project's artifacts
-- reference (each manifest's own bytes, its config and its layers; an index's own bytes), as
-- Harbor counts them. A layer shared by two images of one project counts once.
--
-- artifact_blobs: what each artifact references (written with the artifact, gone with it by
-- cascade). project_blobs: per (project, blob) the number of artifact references and the size.
-- projects.storage_used: the sum of project_blobs.size, kept by the statement triggers below in the
-- same transaction as the index write or delete. Every trigger first locks the projects it touches
-- (in id order), then changes project_blobs in digest order, then adds the delta to storage_used:
-- blob rows are only changed under their project's lock, so concurrent pushes sharing layers
-- cannot lose an update or deadlock on the blob rows.

ALTER TABLE "projects" ADD COLUMN "storage_limit" BIGINT NOT NULL DEFAULT -1;
ALTER TABLE "projects" ADD COLUMN "storage_used" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "projects" ADD CONSTRAINT "projects_storage_limit_check" CHECK ("storage_limit" >= -1);

-- Artifacts indexed before this migration have only their manifest's own bytes recorded (the index
-- never stored manifest bodies); the reconcile job reads their manifests and records the rest.
ALTER TABLE "artifacts" ADD COLUMN "blobs_recorded" BOOLEAN NOT NULL DEFAULT true;
UPDATE "artifacts" SET "blobs_recorded" = false;
CREATE INDEX "artifacts_blobs_pending_idx" ON "artifacts" ("id") WHERE NOT "blobs_recorded";

CREATE TABLE "artifact_blobs" (
  "artifact_id" INTEGER NOT NULL,
  "project_id" INTEGER NOT NULL,
  "repository_id" INTEGER NOT NULL,
  "digest" VARCHAR(135) NOT NULL,
  "size" BIGINT NOT NULL,
  CONSTRAINT "artifact_blobs_pkey" PRIMARY KEY ("artifact_id", "digest"),
  CONSTRAINT "artifact_blobs_artifact_id_fkey" FOREIGN KEY ("artifact_id") REFERENCES "artifacts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- "Where the space goes": per repository and per blob.
CREATE INDEX "artifact_blobs_repository_digest_idx" ON "artifact_blobs" ("repository_id", "digest");
CREATE INDEX "artifact_blobs_project_digest_idx" ON "artifact_blobs" ("project_id", "digest", "repository_id");

CREATE TABLE "project_blobs" (
  "project_id" INTEGER NOT NULL,
  "digest" VARCHAR(135) NOT NULL,
  "size" BIGINT NOT NULL,
  "ref_count" INTEGER NOT NULL,
  CONSTRAINT "project_blobs_pkey" PRIMARY KEY ("project_id", "digest"),
  CONSTRAINT "project_blobs_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "project_blobs_digest_idx" ON "project_blobs" ("digest", "project_id");
-- "Shared with other repositories": is a blob referenced by another repository anywhere?
CREATE INDEX "artifact_blobs_digest_repository_idx" ON "artifact_blobs" ("digest", "repository_id");

-- The same per repository: its distinct blobs and their total (repositories.storage_bytes), so
-- "where the space goes" lists repositories largest first from an index, a page at a time.
ALTER TABLE "repositories" ADD COLUMN "storage_bytes" BIGINT NOT NULL DEFAULT 0;
CREATE INDEX "repositories_project_storage_idx" ON "repositories" ("project_id", "storage_bytes" DESC, "id" DESC);
CREATE TABLE "repository_blobs" (
  "repository_id" INTEGER NOT NULL,
  "digest" VARCHAR(135) NOT NULL,
  "size" BIGINT NOT NULL,
  "ref_count" INTEGER NOT NULL,
  CONSTRAINT "repository_blobs_pkey" PRIMARY KEY ("repository_id", "digest"),
  CONSTRAINT "repository_blobs_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "repository_blobs_digest_idx" ON "repository_blobs" ("digest", "repository_id");

CREATE OR REPLACE FUNCTION wharf_artifact_blobs_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM projects WHERE id IN (SELECT DISTINCT project_id FROM added) ORDER BY id FOR NO KEY UPDATE;
  WITH per_blob AS (
    SELECT project_id, digest, max(size) AS size, count(*)::int AS refs FROM added GROUP BY project_id, digest
  ), upserted AS (
    INSERT INTO project_blobs AS pb (project_id, digest, size, ref_count)
    SELECT project_id, digest, size, refs FROM per_blob ORDER BY project_id, digest
    ON CONFLICT (project_id, digest) DO UPDATE SET ref_count = pb.ref_count + EXCLUDED.ref_count
    RETURNING pb.project_id, pb.size, (pb.xmax = 0) AS inserted
  ), delta AS (
    SELECT project_id, sum(size) AS bytes FROM upserted WHERE inserted GROUP BY project_id
  )
  UPDATE projects p SET storage_used = p.storage_used + delta.bytes FROM delta WHERE p.id = delta.project_id;
  -- Repository rows are locked by the index write already (it upserts its repository first).
  WITH per_blob AS (
    SELECT repository_id, digest, max(size) AS size, count(*)::int AS refs FROM added GROUP BY repository_id, digest
  ), upserted AS (
    INSERT INTO repository_blobs AS rb (repository_id, digest, size, ref_count)
    SELECT repository_id, digest, size, refs FROM per_blob ORDER BY repository_id, digest
    ON CONFLICT (repository_id, digest) DO UPDATE SET ref_count = rb.ref_count + EXCLUDED.ref_count
    RETURNING rb.repository_id, rb.size, (rb.xmax = 0) AS inserted
  ), delta AS (
    SELECT repository_id, sum(size) AS bytes FROM upserted WHERE inserted GROUP BY repository_id
  )
  UPDATE repositories r SET storage_bytes = r.storage_bytes + delta.bytes FROM delta WHERE r.id = delta.repository_id;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION wharf_artifact_blobs_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM projects WHERE id IN (SELECT DISTINCT project_id FROM removed) ORDER BY id FOR NO KEY UPDATE;
  -- A project being deleted is gone already (its blob rows went by cascade): nothing to count.
  UPDATE project_blobs pb SET ref_count = pb.ref_count - per_blob.refs
  FROM (SELECT project_id, digest, count(*)::int AS refs FROM removed GROUP BY project_id, digest ORDER BY project_id, digest) per_blob
  WHERE pb.project_id = per_blob.project_id AND pb.digest = per_blob.digest;
  WITH gone AS (
    DELETE FROM project_blobs pb
    WHERE pb.ref_count <= 0 AND (pb.project_id, pb.digest) IN (SELECT project_id, digest FROM removed)
    RETURNING pb.project_id, pb.size
  ), delta AS (
    SELECT project_id, sum(size) AS bytes FROM gone GROUP BY project_id
  )
  UPDATE projects p SET storage_used = p.storage_used - delta.bytes FROM delta WHERE p.id = delta.project_id;
  -- A repository being deleted is gone already (its blob rows went by cascade): nothing matches.
  UPDATE repository_blobs rb SET ref_count = rb.ref_count - per_blob.refs
  FROM (SELECT repository_id, digest, count(*)::int AS refs FROM removed GROUP BY repository_id, digest) per_blob
  WHERE rb.repository_id = per_blob.repository_id AND rb.digest = per_blob.digest;
  WITH gone AS (
    DELETE FROM repository_blobs rb
    WHERE rb.ref_count <= 0 AND (rb.repository_id, rb.digest) IN (SELECT repository_id, digest FROM removed)
    RETURNING rb.repository_id, rb.size
  ), delta AS (
    SELECT repository_id, sum(size) AS bytes FROM gone GROUP BY repository_id
  )
  UPDATE repositories r SET storage_bytes = r.storage_bytes - delta.bytes FROM delta WHERE r.id = delta.repository_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER "artifact_blobs_added" AFTER INSERT ON "artifact_blobs"
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION wharf_artifact_blobs_added();
CREATE TRIGGER "artifact_blobs_removed" AFTER DELETE ON "artifact_blobs"
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION wharf_artifact_blobs_removed();

-- Backfill: every artifact's own manifest bytes are known now.
INSERT INTO "artifact_blobs" ("artifact_id", "project_id", "repository_id", "digest", "size")
SELECT a.id, r.project_id, r.id, a.digest, a.manifest_size FROM artifacts a JOIN repositories r ON r.id = a.repository_id;

-- The default limit for new projects (bytes; -1 unlimited).
INSERT INTO "system_settings" ("key", "value", "updated_at") VALUES ('default_storage_limit', '-1', now())
ON CONFLICT ("key") DO NOTHING;

-- "Where the space goes": the largest artifacts of a project.
CREATE INDEX "artifacts_repository_total_size_idx" ON "artifacts" ("repository_id", "total_size" DESC, "id" DESC);
