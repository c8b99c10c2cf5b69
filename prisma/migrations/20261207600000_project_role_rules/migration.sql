-- A role across projects (issue 18 item 3; asked of Harbor in goharbor/harbor #14378): a user holds
-- `role_id` in every project whose name matches `pattern` (doublestar, as the policy selectors),
-- present and future, resolved with their memberships (the union of the roles).
CREATE TABLE "project_role_rules" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "pattern" VARCHAR(256) NOT NULL,
    "role_id" INTEGER NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "project_role_rules_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "project_role_rules_role_id_check" CHECK ("role_id" BETWEEN 1 AND 5)
);
CREATE UNIQUE INDEX "project_role_rules_user_id_pattern_key" ON "project_role_rules"("user_id", "pattern");
ALTER TABLE "project_role_rules" ADD CONSTRAINT "project_role_rules_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
