-- Labels (issue 17.2): Harbor's global and project labels, and which artifacts carry them.
CREATE TABLE "labels" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "color" VARCHAR(7) NOT NULL,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "project_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "labels_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "labels_color_check" CHECK ("color" ~ '^#[0-9A-Fa-f]{6}$'),
    CONSTRAINT "labels_name_check" CHECK (length("name") > 0)
);
CREATE INDEX "labels_project_id_name_idx" ON "labels"("project_id", "name");
-- Unique within the scope: one index over global names, one over (project, name). Prisma cannot
-- declare a partial index; the service also refuses a project label named as a global one.
CREATE UNIQUE INDEX "labels_global_name_key" ON "labels"("name") WHERE "project_id" IS NULL;
CREATE UNIQUE INDEX "labels_project_name_key" ON "labels"("project_id", "name") WHERE "project_id" IS NOT NULL;
ALTER TABLE "labels" ADD CONSTRAINT "labels_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "artifact_labels" (
    "artifact_id" INTEGER NOT NULL,
    "label_id" INTEGER NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "artifact_labels_pkey" PRIMARY KEY ("artifact_id", "label_id")
);
CREATE INDEX "artifact_labels_label_id_artifact_id_idx" ON "artifact_labels"("label_id", "artifact_id");
ALTER TABLE "artifact_labels" ADD CONSTRAINT "artifact_labels_artifact_id_fkey" FOREIGN KEY ("artifact_id") REFERENCES "artifacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "artifact_labels" ADD CONSTRAINT "artifact_labels_label_id_fkey" FOREIGN KEY ("label_id") REFERENCES "labels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
