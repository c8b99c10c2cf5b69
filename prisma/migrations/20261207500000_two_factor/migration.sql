-- TOTP two-factor sign-in for local users (issue 18 item 4).
-- totp_secret: the confirmed RFC 6238 secret, sealed to its user (lib/crypto/sealed-secret);
-- totp_pending_secret: one being enrolled, until the user confirms a code from it;
-- totp_last_step: the newest 30-second step a code was accepted for, so a code is used once;
-- cli_secret_hash: SHA-256 of the generated CLI secret (32 random bytes) that registry clients and
-- REST callers of a two-factor account send instead of the password.
ALTER TABLE "users"
  ADD COLUMN "totp_secret" TEXT,
  ADD COLUMN "totp_pending_secret" TEXT,
  ADD COLUMN "totp_enabled_at" TIMESTAMPTZ(3),
  ADD COLUMN "totp_last_step" BIGINT,
  ADD COLUMN "cli_secret_hash" VARCHAR(64),
  ADD COLUMN "cli_secret_created_at" TIMESTAMPTZ(3);

-- Recovery codes: shown once at enrolment, stored as SHA-256 (each is 50 random bits or more), used once.
CREATE TABLE "user_recovery_codes" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "code_hash" VARCHAR(64) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_recovery_codes_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "user_recovery_codes_user_id_code_hash_key" ON "user_recovery_codes"("user_id", "code_hash");
ALTER TABLE "user_recovery_codes" ADD CONSTRAINT "user_recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
