-- Registry endpoints (replication's remote registries): the secret is sealed with WHARF_SECRET_KEY,
-- the last Test connection's outcome is kept as the endpoint's health.

-- CreateTable
CREATE TABLE "registry_endpoints" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "url" VARCHAR(1024) NOT NULL,
    "credential_type" VARCHAR(16) NOT NULL,
    "username" VARCHAR(255) NOT NULL DEFAULT '',
    "secret_sealed" TEXT,
    "insecure" BOOLEAN NOT NULL DEFAULT false,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "status" VARCHAR(16) NOT NULL DEFAULT 'unknown',
    "status_message" VARCHAR(1024) NOT NULL DEFAULT '',
    "status_checked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "registry_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "registry_endpoints_name_key" ON "registry_endpoints"("name");
