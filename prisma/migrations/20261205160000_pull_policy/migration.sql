-- Pull policy at the gateway (issue 9): Harbor's prevent_vul, severity, enable_content_trust_cosign
-- and reuse_sys_cve_allowlist project metadata, Wharf's refuse-unscanned, and CVE allowlists.

ALTER TABLE "projects" ADD COLUMN "prevent_vul" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "vulnerability_severity" VARCHAR(16) NOT NULL DEFAULT 'low',
ADD COLUMN "refuse_unscanned" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "require_signature" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "reuse_sys_cve_allowlist" BOOLEAN NOT NULL DEFAULT true;

CREATE TABLE "cve_allowlists" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER,
    "system" BOOLEAN,
    "cve_ids" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cve_allowlists_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "cve_allowlists_project_id_key" ON "cve_allowlists"("project_id");
CREATE UNIQUE INDEX "cve_allowlists_system_key" ON "cve_allowlists"("system");

ALTER TABLE "cve_allowlists" ADD CONSTRAINT "cve_allowlists_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
