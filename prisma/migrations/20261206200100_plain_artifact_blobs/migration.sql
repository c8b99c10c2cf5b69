-- wharf_write_plain_artifact records the artifact's blob references (its manifest, config and
-- layers: p_blob_digests/p_blob_sizes) in artifact_blobs, whose trigger counts the project's
-- storage (20261206200000_project_quotas). Otherwise as 20261206001000_write_plain_artifact.
DROP FUNCTION wharf_write_plain_artifact(integer, text, text, text, text, integer, bigint, text, text, text, timestamptz, text, jsonb, text, timestamptz, text, jsonb);
CREATE OR REPLACE FUNCTION wharf_write_plain_artifact(
  p_project_id integer,
  p_repository text,
  p_digest text,
  p_media_type text,
  p_artifact_type text,
  p_manifest_size integer,
  p_total_size bigint,
  p_os text,
  p_architecture text,
  p_variant text,
  p_created timestamptz,
  p_author text,
  p_annotations jsonb,
  p_tag text,
  p_now timestamptz,
  p_actor_name text,
  p_audit jsonb,
  p_blob_digests text[],
  p_blob_sizes bigint[]
) RETURNS TABLE (out_repository_id integer, out_artifact_id integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_repository_id integer;
  v_project_id integer;
  v_previous_artifact integer;
  v_previous_digest text;
  v_artifact_id integer;
  v_inserted boolean;
  v_blobs_recorded boolean;
BEGIN
  INSERT INTO repositories AS r (project_id, name, updated_at) VALUES (p_project_id, p_repository, now())
  ON CONFLICT (name) DO UPDATE SET updated_at = now() WHERE r.deleting_at IS NULL
  RETURNING r.id, r.project_id INTO v_repository_id, v_project_id;
  IF v_repository_id IS NULL THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM artifact_references ar JOIN artifacts parent ON parent.id = ar.parent_id
             WHERE parent.repository_id = v_repository_id AND ar.child_digest = p_digest) THEN
    RETURN;
  END IF;
  IF p_tag IS NOT NULL THEN
    SELECT t.artifact_id, a.digest INTO v_previous_artifact, v_previous_digest
    FROM tags t JOIN artifacts a ON a.id = t.artifact_id
    WHERE t.repository_id = v_repository_id AND t.name = p_tag;
    IF v_previous_artifact IS NOT NULL AND EXISTS (SELECT 1 FROM artifact_references ar WHERE ar.child_id = v_previous_artifact) THEN
      RETURN;
    END IF;
  END IF;

  INSERT INTO artifacts AS a (repository_id, digest, media_type, artifact_type, manifest_size, total_size, pushed_at,
                              os, architecture, variant, created, author, annotations, is_referrer)
  VALUES (v_repository_id, p_digest, p_media_type, p_artifact_type, p_manifest_size, p_total_size, p_now,
          p_os, p_architecture, p_variant, p_created, p_author, p_annotations, false)
  ON CONFLICT (repository_id, digest) DO UPDATE SET pushed_at = EXCLUDED.pushed_at
  RETURNING a.id, (a.xmax = 0), a.blobs_recorded INTO v_artifact_id, v_inserted, v_blobs_recorded;
  IF v_inserted THEN
    UPDATE artifacts SET subject_artifact_id = v_artifact_id
    WHERE repository_id = v_repository_id AND subject_digest = p_digest AND subject_artifact_id IS NULL;
    UPDATE repositories SET artifact_count = artifact_count + 1 WHERE id = v_repository_id;
  END IF;
  IF p_tag IS NOT NULL THEN
    INSERT INTO tags AS t (repository_id, artifact_id, name, pushed_at) VALUES (v_repository_id, v_artifact_id, p_tag, p_now)
    ON CONFLICT (repository_id, name) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, pushed_at = EXCLUDED.pushed_at;
  END IF;

  INSERT INTO artifact_events (kind, project_id, repository, digest, tag, previous_digest, actor_name)
  VALUES ('artifact_pushed', v_project_id, p_repository, p_digest, p_tag, NULLIF(v_previous_digest, p_digest), p_actor_name);
  IF p_audit IS NOT NULL THEN
    INSERT INTO audit_events (principal_kind, actor_id, actor_name, actor_verified, action, resource_type, resource_id,
                              resource_name, project_id, result, reason, client_ip, user_agent, detail)
    SELECT e.principal_kind, e.actor_id, e.actor_name, e.actor_verified, e.action, e.resource_type, e.resource_id,
           e.resource_name, e.project_id, e.result, e.reason, e.client_ip, e.user_agent, COALESCE(e.detail, '{}'::jsonb)
    FROM jsonb_populate_record(NULL::audit_events, p_audit) e;
  END IF;

  -- Last: the blob references take the project's row lock (their trigger counts the usage), held
  -- only from here to the commit. An artifact indexed before blobs were recorded gets them now.
  IF v_inserted OR NOT v_blobs_recorded THEN
    INSERT INTO artifact_blobs (artifact_id, project_id, repository_id, digest, size)
    SELECT DISTINCT ON (b.digest) v_artifact_id, v_project_id, v_repository_id, b.digest, b.size
    FROM unnest(p_blob_digests, p_blob_sizes) AS b(digest, size) ORDER BY b.digest
    ON CONFLICT (artifact_id, digest) DO NOTHING;
    IF NOT v_blobs_recorded THEN
      UPDATE artifacts SET blobs_recorded = true WHERE id = v_artifact_id;
    END IF;
  END IF;

  out_repository_id := v_repository_id;
  out_artifact_id := v_artifact_id;
  RETURN NEXT;
END
$$;
