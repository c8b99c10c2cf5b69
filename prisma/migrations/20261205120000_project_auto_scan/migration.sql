-- Scan on push (issue 9): Harbor's per-project `auto_scan` metadata.

ALTER TABLE "projects" ADD COLUMN "auto_scan" BOOLEAN NOT NULL DEFAULT false;
