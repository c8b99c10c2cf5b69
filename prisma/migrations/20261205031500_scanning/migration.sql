-- Scanning (issue 9): per-artifact package inventories and the OSV vulnerability DB.

CREATE TABLE "scan_inventories" (
    "id" SERIAL NOT NULL,
    "artifact_digest" VARCHAR(128) NOT NULL,
    "os_id" VARCHAR(64),
    "os_version" VARCHAR(64),
    "os_ecosystem" VARCHAR(64),
    "warnings" TEXT[],
    "extracted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scan_inventories_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "scan_inventory_packages" (
    "id" BIGSERIAL NOT NULL,
    "inventory_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "ecosystem" VARCHAR(64) NOT NULL,
    "advisory_name" VARCHAR(255) NOT NULL,
    "purl" VARCHAR(1024) NOT NULL,
    "path" VARCHAR(1024) NOT NULL,
    "layer_digest" VARCHAR(128) NOT NULL,
    "dev" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "scan_inventory_packages_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "vuln_advisories" (
    "id" VARCHAR(128) NOT NULL,
    "aliases" TEXT[],
    "summary" TEXT,
    "details" TEXT,
    "modified" TIMESTAMPTZ(3),
    "published" TIMESTAMPTZ(3),
    "withdrawn" TIMESTAMPTZ(3),
    "severity" VARCHAR(16) NOT NULL,
    "cvss_type" VARCHAR(16),
    "cvss_vector" VARCHAR(255),
    "cvss_score" DOUBLE PRECISION,
    "links" TEXT[],
    "record" JSONB NOT NULL,
    "content_hash" VARCHAR(64) NOT NULL,
    "import_id" INTEGER NOT NULL,

    CONSTRAINT "vuln_advisories_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "vuln_affected_packages" (
    "id" BIGSERIAL NOT NULL,
    "advisory_id" VARCHAR(128) NOT NULL,
    "ecosystem" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,

    CONSTRAINT "vuln_affected_packages_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "vuln_db_imports" (
    "id" SERIAL NOT NULL,
    "source" VARCHAR(1024) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "records_seen" INTEGER NOT NULL DEFAULT 0,
    "records_added" INTEGER NOT NULL DEFAULT 0,
    "records_changed" INTEGER NOT NULL DEFAULT 0,
    "records_unchanged" INTEGER NOT NULL DEFAULT 0,
    "records_malformed" INTEGER NOT NULL DEFAULT 0,
    "malformed" TEXT[],
    "advisory_count" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "vuln_db_imports_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "scan_inventories_artifact_digest_key" ON "scan_inventories"("artifact_digest");
CREATE INDEX "scan_inventory_packages_inventory_id_idx" ON "scan_inventory_packages"("inventory_id");
CREATE INDEX "scan_inventory_packages_ecosystem_advisory_name_idx" ON "scan_inventory_packages"("ecosystem", "advisory_name");
CREATE INDEX "vuln_advisories_import_id_idx" ON "vuln_advisories"("import_id");
CREATE INDEX "vuln_affected_packages_ecosystem_name_idx" ON "vuln_affected_packages"("ecosystem", "name");
CREATE INDEX "vuln_affected_packages_advisory_id_idx" ON "vuln_affected_packages"("advisory_id");

ALTER TABLE "scan_inventory_packages" ADD CONSTRAINT "scan_inventory_packages_inventory_id_fkey" FOREIGN KEY ("inventory_id") REFERENCES "scan_inventories"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "vuln_affected_packages" ADD CONSTRAINT "vuln_affected_packages_advisory_id_fkey" FOREIGN KEY ("advisory_id") REFERENCES "vuln_advisories"("id") ON DELETE CASCADE ON UPDATE CASCADE;
