-- CreateEnum
CREATE TYPE "RobotLevel" AS ENUM ('system', 'project');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "is_auditor" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "projects" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "is_public" BOOLEAN NOT NULL DEFAULT false,
    "owner_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project_members" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "role_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "project_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "repositories" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "repositories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "robots" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "level" "RobotLevel" NOT NULL,
    "project_id" INTEGER,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "secret_hash" CHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "creator_id" INTEGER,
    "creator_name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "robots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "robot_permissions" (
    "id" SERIAL NOT NULL,
    "robot_id" INTEGER NOT NULL,
    "namespace" VARCHAR(255) NOT NULL,
    "resource" VARCHAR(64) NOT NULL,
    "action" VARCHAR(32) NOT NULL,

    CONSTRAINT "robot_permissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_settings" (
    "key" VARCHAR(64) NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "system_settings_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "token_signing_keys" (
    "id" SERIAL NOT NULL,
    "kid" VARCHAR(128) NOT NULL,
    "algorithm" VARCHAR(16) NOT NULL,
    "private_key_encrypted" TEXT NOT NULL,
    "public_key_pem" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "token_signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "projects_name_key" ON "projects"("name");

-- CreateIndex
CREATE INDEX "projects_is_public_name_idx" ON "projects"("is_public", "name");

-- CreateIndex
CREATE INDEX "project_members_user_id_idx" ON "project_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "project_members_project_id_user_id_key" ON "project_members"("project_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "repositories_name_key" ON "repositories"("name");

-- CreateIndex
CREATE INDEX "repositories_project_id_name_idx" ON "repositories"("project_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "robots_name_key" ON "robots"("name");

-- CreateIndex
CREATE INDEX "robots_project_id_idx" ON "robots"("project_id");

-- CreateIndex
CREATE UNIQUE INDEX "robot_permissions_robot_id_namespace_resource_action_key" ON "robot_permissions"("robot_id", "namespace", "resource", "action");

-- CreateIndex
CREATE UNIQUE INDEX "token_signing_keys_kid_key" ON "token_signing_keys"("kid");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repositories" ADD CONSTRAINT "repositories_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "robots" ADD CONSTRAINT "robots_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "robot_permissions" ADD CONSTRAINT "robot_permissions_robot_id_fkey" FOREIGN KEY ("robot_id") REFERENCES "robots"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Harbor's rules, enforced by Postgres as well as by the zod schemas.
ALTER TABLE "users" ADD CONSTRAINT "users_one_system_role" CHECK (NOT ("is_admin" AND "is_auditor"));
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_role_id" CHECK ("role_id" BETWEEN 1 AND 5);
ALTER TABLE "projects" ADD CONSTRAINT "projects_name_format"
  CHECK ("name" ~ '^[a-z0-9]+(?:[._-][a-z0-9]+)*$' AND char_length("name") BETWEEN 2 AND 255);
