-- A robot secret chosen by the caller (PATCH /robots/{id} with a secret, as Harbor allows) may be
-- as weak as its 8-character policy permits, so it is stored as an argon2id PHC string like a
-- password (about 100 characters) instead of the bare SHA-256 hex kept for generated secrets.
ALTER TABLE "robots" ALTER COLUMN "secret_hash" TYPE VARCHAR(255);
