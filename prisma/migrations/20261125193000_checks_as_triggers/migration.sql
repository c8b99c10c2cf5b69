-- Prisma 6.19's WebAssembly schema engine crashes ("RuntimeError: unreachable") when it
-- introspects CHECK constraints, which breaks `prisma migrate dev` and `migrate diff`. The same
-- rules are therefore enforced by triggers, which it handles, with the same SQLSTATE (23514).

ALTER TABLE "users" DROP CONSTRAINT "users_one_system_role";
ALTER TABLE "project_members" DROP CONSTRAINT "project_members_role_id";
ALTER TABLE "projects" DROP CONSTRAINT "projects_name_format";

CREATE FUNCTION "users_check_system_role"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."is_admin" AND NEW."is_auditor" THEN
    RAISE EXCEPTION 'a user is either administrator or auditor, not both' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "users_one_system_role" BEFORE INSERT OR UPDATE ON "users"
  FOR EACH ROW EXECUTE FUNCTION "users_check_system_role"();

CREATE FUNCTION "project_members_check_role"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."role_id" NOT BETWEEN 1 AND 5 THEN
    RAISE EXCEPTION 'role_id % is not a Harbor project role (1-5)', NEW."role_id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "project_members_role_id" BEFORE INSERT OR UPDATE ON "project_members"
  FOR EACH ROW EXECUTE FUNCTION "project_members_check_role"();

CREATE FUNCTION "projects_check_name"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT (NEW."name" ~ '^[a-z0-9]+(?:[._-][a-z0-9]+)*$' AND char_length(NEW."name") BETWEEN 2 AND 255) THEN
    RAISE EXCEPTION 'project name % breaks Harbor''s naming rule', NEW."name" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "projects_name_format" BEFORE INSERT OR UPDATE ON "projects"
  FOR EACH ROW EXECUTE FUNCTION "projects_check_name"();
