-- A project's own IP allowlist (issue 18 item 5): the addresses and CIDR ranges from which its
-- members, robots and anonymous pullers may use it; empty admits every address the system list
-- admits. Entries are validated by the service (lib/validation/ip-allowlist.ts).
ALTER TABLE "projects" ADD COLUMN "ip_allowlist" TEXT[] NOT NULL DEFAULT '{}';
