-- Tag immutability rules (selectors as lib/policy parses them, applied in position order) and one
-- tag naming policy per project (a regular expression every new tag must match).
-- CreateTable
CREATE TABLE "immutable_tag_rules" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "repositories" JSONB NOT NULL,
    "tags" JSONB NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "immutable_tag_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tag_naming_policies" (
    "project_id" INTEGER NOT NULL,
    "pattern" VARCHAR(256) NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tag_naming_policies_pkey" PRIMARY KEY ("project_id")
);

-- CreateIndex
CREATE INDEX "immutable_tag_rules_project_id_position_idx" ON "immutable_tag_rules"("project_id", "position");

-- AddForeignKey
ALTER TABLE "immutable_tag_rules" ADD CONSTRAINT "immutable_tag_rules_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tag_naming_policies" ADD CONSTRAINT "tag_naming_policies_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

