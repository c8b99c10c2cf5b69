-- A single-row counter of changes to registry grants (lib/services/registry-auth/grant-version.ts).
-- The services that change memberships, roles, robots, users' system roles or disabled state, and
-- project deletion or visibility bump it in the same transaction; the gateway reads it once per
-- request and drops cached grants when it moved, so a revocation holds at once on every instance.
CREATE TABLE "registry_grant_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "registry_grant_version_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "registry_grant_version_one_row" CHECK ("id" = 1)
);

INSERT INTO "registry_grant_version" ("id", "version") VALUES (1, 0);
