-- The artifact events outbox (lib/services/events): index changes (pushed, deleted, tag created /
-- moved / deleted) written in the transaction of the change, read by named consumers through a
-- cursor of (txid, id). txid is the writing transaction's id, so a reader can stay below the
-- oldest transaction still running and never skip an event that commits after a later id.
-- CreateEnum
CREATE TYPE "ArtifactEventKind" AS ENUM ('artifact_pushed', 'artifact_deleted', 'tag_created', 'tag_moved', 'tag_deleted');

-- CreateTable
CREATE TABLE "artifact_events" (
    "id" BIGSERIAL NOT NULL,
    "txid" BIGINT NOT NULL DEFAULT (pg_current_xact_id())::text::bigint,
    "kind" "ArtifactEventKind" NOT NULL,
    "project_id" INTEGER NOT NULL,
    "repository" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(128) NOT NULL,
    "tag" VARCHAR(128),
    "previous_digest" VARCHAR(128),
    "actor_name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artifact_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artifact_event_consumers" (
    "name" VARCHAR(64) NOT NULL,
    "last_txid" BIGINT NOT NULL DEFAULT 0,
    "last_id" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artifact_event_consumers_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "artifact_events_txid_id_idx" ON "artifact_events"("txid", "id");

-- CreateIndex
CREATE INDEX "artifact_events_created_at_idx" ON "artifact_events"("created_at");
