-- Which accessories are OCI referrers (their manifest's `subject` names the digest), so that the
-- referrers API (GET /v2/<name>/referrers/<digest>) lists only those, not cosign's tag-convention
-- signatures, whose manifests name no subject.
ALTER TABLE "artifacts" ADD COLUMN "is_referrer" BOOLEAN NOT NULL DEFAULT false;

-- Rows indexed before: the manifests are not read again here, so the tag tells them apart. An
-- accessory carrying a cosign tag (sha256-<hex>.sig|.att|.sbom) was indexed by that tag; any other
-- accessory was indexed by its `subject`.
UPDATE "artifacts" a SET "is_referrer" = true
WHERE a."subject_digest" IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM "tags" t
    WHERE t."artifact_id" = a."id" AND t."name" ~ '^sha256-[a-f0-9]{64}\.(sig|att|sbom)$'
  );
