-- The retention purge becomes the one sanctioned way rows leave the audit table.
--
-- UPDATE and TRUNCATE stay refused on every connection. DELETE is refused too, unless the
-- deleting transaction has set the flag `wharf.audit_purge` to `on` (transaction-local, so it
-- cannot leak to a pooled connection's next user), which only the purge job's batches do.
-- Even then a row younger than 24 hours is refused: the shortest retention is one day, so a
-- bug in the purge (a wrong cutoff, a missing WHERE) cannot wipe recent history. The cutoff is
-- compared with the database clock, the same one that wrote `occurred_at`.
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
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
