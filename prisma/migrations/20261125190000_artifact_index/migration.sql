-- CreateEnum
CREATE TYPE "AccessoryType" AS ENUM ('signature', 'attestation', 'sbom', 'other');

-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "artifact_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "description" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "pull_count" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "artifacts" (
    "id" SERIAL NOT NULL,
    "repository_id" INTEGER NOT NULL,
    "digest" VARCHAR(128) NOT NULL,
    "media_type" VARCHAR(255) NOT NULL,
    "artifact_type" VARCHAR(255),
    "manifest_size" INTEGER NOT NULL,
    "total_size" BIGINT NOT NULL,
    "pushed_at" TIMESTAMPTZ(3) NOT NULL,
    "pulled_at" TIMESTAMPTZ(3),
    "os" VARCHAR(64),
    "architecture" VARCHAR(64),
    "variant" VARCHAR(64),
    "created" TIMESTAMPTZ(3),
    "author" VARCHAR(255),
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "subject_digest" VARCHAR(128),
    "subject_artifact_id" INTEGER,
    "accessory_type" "AccessoryType",

    CONSTRAINT "artifacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tags" (
    "id" SERIAL NOT NULL,
    "repository_id" INTEGER NOT NULL,
    "artifact_id" INTEGER NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "pushed_at" TIMESTAMPTZ(3) NOT NULL,
    "pulled_at" TIMESTAMPTZ(3),

    CONSTRAINT "tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artifact_references" (
    "id" SERIAL NOT NULL,
    "parent_id" INTEGER NOT NULL,
    "child_id" INTEGER,
    "child_digest" VARCHAR(128) NOT NULL,
    "position" INTEGER NOT NULL,
    "os" VARCHAR(64),
    "architecture" VARCHAR(64),
    "variant" VARCHAR(64),
    "os_version" VARCHAR(255),

    CONSTRAINT "artifact_references_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "artifacts_repository_id_pushed_at_id_idx" ON "artifacts"("repository_id", "pushed_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "artifacts_subject_artifact_id_idx" ON "artifacts"("subject_artifact_id");

-- CreateIndex
CREATE INDEX "artifacts_repository_id_subject_digest_idx" ON "artifacts"("repository_id", "subject_digest");

-- CreateIndex
CREATE UNIQUE INDEX "artifacts_repository_id_digest_key" ON "artifacts"("repository_id", "digest");

-- CreateIndex
CREATE INDEX "tags_artifact_id_idx" ON "tags"("artifact_id");

-- CreateIndex
CREATE UNIQUE INDEX "tags_repository_id_name_key" ON "tags"("repository_id", "name");

-- CreateIndex
CREATE INDEX "artifact_references_child_id_idx" ON "artifact_references"("child_id");

-- CreateIndex
CREATE UNIQUE INDEX "artifact_references_parent_id_child_digest_key" ON "artifact_references"("parent_id", "child_digest");

-- AddForeignKey
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_subject_artifact_id_fkey" FOREIGN KEY ("subject_artifact_id") REFERENCES "artifacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tags" ADD CONSTRAINT "tags_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tags" ADD CONSTRAINT "tags_artifact_id_fkey" FOREIGN KEY ("artifact_id") REFERENCES "artifacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artifact_references" ADD CONSTRAINT "artifact_references_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "artifacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artifact_references" ADD CONSTRAINT "artifact_references_child_id_fkey" FOREIGN KEY ("child_id") REFERENCES "artifacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

