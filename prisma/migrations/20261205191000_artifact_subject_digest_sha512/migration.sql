-- A referrer's subject may be a sha512 digest ("sha512:" and 128 hex, 135 characters): at 128 the
-- push reached the registry and then failed to be recorded. Widening a varchar rewrites nothing.
ALTER TABLE "artifacts" ALTER COLUMN "subject_digest" TYPE VARCHAR(135);
