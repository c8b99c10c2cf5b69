-- Identity (issue 18 items 1-3): users who sign in through LDAP or OIDC, the groups their source
-- reports, groups as project members, and roles across projects given to a group.

-- Where a user proves who they are, and who they are there.
ALTER TABLE "users" ADD COLUMN "auth_source" VARCHAR(8) NOT NULL DEFAULT 'local';
ALTER TABLE "users" ADD COLUMN "external_id" VARCHAR(1024);
ALTER TABLE "users" ADD CONSTRAINT "users_auth_source_check" CHECK ("auth_source" IN ('local', 'ldap', 'oidc'));
-- A local user has no external identity. An external one gets it at its first sign-in: an
-- administrator may create (or an LDAP import create) the account before.
ALTER TABLE "users" ADD CONSTRAINT "users_external_id_check" CHECK ("auth_source" <> 'local' OR "external_id" IS NULL);
CREATE UNIQUE INDEX "users_auth_source_external_id_key" ON "users"("auth_source", "external_id");

CREATE TABLE "user_groups" (
    "id" SERIAL NOT NULL,
    "group_type" VARCHAR(8) NOT NULL,
    "external_key" VARCHAR(1024) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_groups_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "user_groups_group_type_check" CHECK ("group_type" IN ('ldap', 'oidc'))
);
CREATE UNIQUE INDEX "user_groups_group_type_external_key_key" ON "user_groups"("group_type", "external_key");

CREATE TABLE "user_group_members" (
    "user_id" INTEGER NOT NULL,
    "group_id" INTEGER NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_group_members_pkey" PRIMARY KEY ("user_id", "group_id")
);
CREATE INDEX "user_group_members_group_id_idx" ON "user_group_members"("group_id");
ALTER TABLE "user_group_members" ADD CONSTRAINT "user_group_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_group_members" ADD CONSTRAINT "user_group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A project member is a user or a group (Harbor's entity_type "u" / "g"), never both.
ALTER TABLE "project_members" ALTER COLUMN "user_id" DROP NOT NULL;
ALTER TABLE "project_members" ADD COLUMN "group_id" INTEGER;
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_entity_check" CHECK (("user_id" IS NULL) <> ("group_id" IS NULL));
CREATE UNIQUE INDEX "project_members_project_id_group_id_key" ON "project_members"("project_id", "group_id");
CREATE INDEX "project_members_group_id_idx" ON "project_members"("group_id");
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A role across projects is given to a user or to a group, never both.
ALTER TABLE "project_role_rules" ALTER COLUMN "user_id" DROP NOT NULL;
ALTER TABLE "project_role_rules" ADD COLUMN "group_id" INTEGER;
ALTER TABLE "project_role_rules" ADD CONSTRAINT "project_role_rules_holder_check" CHECK (("user_id" IS NULL) <> ("group_id" IS NULL));
CREATE UNIQUE INDEX "project_role_rules_group_id_pattern_key" ON "project_role_rules"("group_id", "pattern");
ALTER TABLE "project_role_rules" ADD CONSTRAINT "project_role_rules_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;
