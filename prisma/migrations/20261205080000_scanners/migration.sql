-- Scanners (issue 9): registrations, each project's choice, reports per (artifact, scanner, MIME type),
-- and the requests Wharf's built-in adapter accepted.

CREATE TABLE "scanners" (
    "id" SERIAL NOT NULL,
    "uuid" VARCHAR(36) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "url" VARCHAR(1024) NOT NULL,
    "auth" VARCHAR(32) NOT NULL DEFAULT '',
    "credential_sealed" TEXT,
    "skip_cert_verify" BOOLEAN NOT NULL DEFAULT false,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "health" VARCHAR(16) NOT NULL DEFAULT 'unknown',
    "health_message" VARCHAR(1024) NOT NULL DEFAULT '',
    "health_checked_at" TIMESTAMPTZ(3),
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "scanners_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "scanners_uuid_key" ON "scanners"("uuid");
CREATE UNIQUE INDEX "scanners_name_key" ON "scanners"("name");
-- At most one default and one built-in registration (Prisma cannot declare partial indexes).
CREATE UNIQUE INDEX "scanners_one_default" ON "scanners"("is_default") WHERE "is_default";
CREATE UNIQUE INDEX "scanners_one_builtin" ON "scanners"("builtin") WHERE "builtin";

CREATE TABLE "project_scanners" (
    "project_id" INTEGER NOT NULL,
    "scanner_id" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "project_scanners_pkey" PRIMARY KEY ("project_id")
);

CREATE INDEX "project_scanners_scanner_id_idx" ON "project_scanners"("scanner_id");

ALTER TABLE "project_scanners" ADD CONSTRAINT "project_scanners_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "project_scanners" ADD CONSTRAINT "project_scanners_scanner_id_fkey" FOREIGN KEY ("scanner_id") REFERENCES "scanners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "scan_reports" (
    "id" SERIAL NOT NULL,
    "uuid" VARCHAR(36) NOT NULL,
    "artifact_digest" VARCHAR(128) NOT NULL,
    "repository" VARCHAR(255) NOT NULL,
    "scanner_id" INTEGER NOT NULL,
    "mime_type" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'queued',
    "request_id" VARCHAR(255),
    "report" JSONB,
    "error" TEXT,
    "log" TEXT NOT NULL DEFAULT '',
    "run_id" INTEGER,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "scan_reports_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "scan_reports_uuid_key" ON "scan_reports"("uuid");
CREATE UNIQUE INDEX "scan_reports_artifact_digest_scanner_id_mime_type_key" ON "scan_reports"("artifact_digest", "scanner_id", "mime_type");
CREATE INDEX "scan_reports_scanner_id_idx" ON "scan_reports"("scanner_id");

ALTER TABLE "scan_reports" ADD CONSTRAINT "scan_reports_scanner_id_fkey" FOREIGN KEY ("scanner_id") REFERENCES "scanners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "scan_adapter_requests" (
    "id" VARCHAR(36) NOT NULL,
    "repository" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(128) NOT NULL,
    "tag" VARCHAR(255),
    "artifact_mime_type" VARCHAR(255),
    "registry_url" VARCHAR(1024) NOT NULL,
    "authorization_sealed" TEXT,
    "status" VARCHAR(16) NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "run_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "scan_adapter_requests_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "scan_adapter_requests_created_at_idx" ON "scan_adapter_requests"("created_at");
