-- Audit rows for sign-ins that proved nothing, and repeated refusals counted on one row.
--
-- actor_verified: a failed sign-in (console, REST/registry Basic, token service) is filed under the
-- username the caller typed, so filtering the log by that person finds it; the flag says the name
-- was claimed, not proven, and every view and export marks it "(unverified)".
ALTER TABLE "audit_events" ADD COLUMN "actor_verified" BOOLEAN NOT NULL DEFAULT true;

-- repeat_count / dedupe_key: a refused operation (nothing changed) repeated by the same principal
-- from the same client within one minute is one row with a count, not one row per request (one
-- refused docker push used to write a dozen). recordRefusal inserts with
-- ON CONFLICT (dedupe_key) DO UPDATE SET repeat_count = repeat_count + 1, so concurrent refusals
-- end up on one row. Rows that record a change (and failed password checks) keep dedupe_key NULL.
ALTER TABLE "audit_events" ADD COLUMN "repeat_count" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "audit_events" ADD COLUMN "dedupe_key" VARCHAR(80);
CREATE UNIQUE INDEX "audit_events_dedupe_key_key" ON "audit_events"("dedupe_key");

-- The table stays append-only for what it records. The one UPDATE the trigger now lets through is
-- the count of a refusal row: repeat_count up by exactly one, every other column unchanged (the
-- whole row compared as JSON), on a row that has a dedupe key, and only until 10 seconds past the
-- end of the row's minute (clock_timestamp: the time of the update itself, not of its transaction).
-- After that a row is final; the syslog forwarder waits for that moment before sending a refusal
-- row (lib/services/audit/forward-audit-events.ts), so the count it sends is the final one.
-- DELETE (the purge) and TRUNCATE are as before.
CREATE OR REPLACE FUNCTION "audit_events_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('wharf.audit_purge', true) = 'on' THEN
    IF OLD."occurred_at" > now() - interval '24 hours' THEN
      RAISE EXCEPTION 'audit_events: the purge may not delete a row younger than 24 hours (id %)', OLD."id"
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE'
     AND OLD."dedupe_key" IS NOT NULL
     AND NEW."repeat_count" = OLD."repeat_count" + 1
     AND (to_jsonb(NEW) - 'repeat_count') = (to_jsonb(OLD) - 'repeat_count')
     AND clock_timestamp() < date_trunc('minute', OLD."occurred_at") + interval '70 seconds' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
