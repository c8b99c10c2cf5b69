-- Proxy-cache projects (issue 13): a project bound to an upstream registry endpoint pulls what it
-- lacks from there and keeps it. Restrict: an endpoint in use by a proxy project is not deleted.
ALTER TABLE "projects" ADD COLUMN "proxy_registry_id" INTEGER;
ALTER TABLE "projects" ADD COLUMN "proxy_cache_days" INTEGER NOT NULL DEFAULT 7;
ALTER TABLE "projects" ADD CONSTRAINT "projects_proxy_cache_days_check" CHECK ("proxy_cache_days" BETWEEN 1 AND 3650);
ALTER TABLE "projects" ADD CONSTRAINT "projects_proxy_registry_id_fkey" FOREIGN KEY ("proxy_registry_id") REFERENCES "registry_endpoints"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Every fetch from an upstream, for the project's Cache tab.
CREATE TABLE "proxy_fetches" (
    "id" BIGSERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "repository" VARCHAR(255) NOT NULL,
    "upstream_repository" VARCHAR(255) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(135),
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "source" VARCHAR(1280) NOT NULL,
    "outcome" VARCHAR(16) NOT NULL,
    "error" VARCHAR(1024),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "proxy_fetches_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "proxy_fetches_kind_check" CHECK ("kind" IN ('manifest', 'blob')),
    CONSTRAINT "proxy_fetches_outcome_check" CHECK ("outcome" IN ('ok', 'failed'))
);
CREATE INDEX "proxy_fetches_project_id_id_idx" ON "proxy_fetches"("project_id", "id" DESC);
ALTER TABLE "proxy_fetches" ADD CONSTRAINT "proxy_fetches_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Manifests fetched from an upstream, served from here (see the model's comment).
CREATE TABLE "proxy_manifests" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "repository" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(135) NOT NULL,
    "media_type" VARCHAR(255) NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "proxy_manifests_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "proxy_manifests_repository_digest_key" ON "proxy_manifests"("repository", "digest");
CREATE INDEX "proxy_manifests_project_id_idx" ON "proxy_manifests"("project_id");
ALTER TABLE "proxy_manifests" ADD CONSTRAINT "proxy_manifests_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
