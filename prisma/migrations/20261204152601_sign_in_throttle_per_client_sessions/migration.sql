-- Sign-in throttle per (username, client) plus one bucket for all clients of a username, so an
-- attacker elsewhere can no longer lock the real user out. Existing rows become the all-clients
-- bucket ('*'), keeping any lock they hold.
ALTER TABLE "sign_in_throttles" ADD COLUMN "client_key" VARCHAR(80) NOT NULL DEFAULT '*';
ALTER TABLE "sign_in_throttles" ALTER COLUMN "client_key" DROP DEFAULT;
ALTER TABLE "sign_in_throttles" DROP CONSTRAINT "sign_in_throttles_pkey";
ALTER TABLE "sign_in_throttles" ADD CONSTRAINT "sign_in_throttles_pkey" PRIMARY KEY ("username", "client_key");

-- Refusals that were not password guesses, collapsed per username, action and minute.
CREATE TABLE "sign_in_refusal_buckets" (
    "username" VARCHAR(255) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "repeats" INTEGER NOT NULL DEFAULT 0,
    "reasons" JSONB NOT NULL DEFAULT '{}',
    "event" JSONB NOT NULL,
    "last_client" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "sign_in_refusal_buckets_pkey" PRIMARY KEY ("username", "action", "minute")
);
CREATE INDEX "sign_in_refusal_buckets_minute_idx" ON "sign_in_refusal_buckets"("minute");

-- Console sessions: signing out deletes the row, and a session cookie without a live row is refused.
CREATE TABLE "user_sessions" (
    "id" VARCHAR(64) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "user_sessions_user_id_idx" ON "user_sessions"("user_id");
CREATE INDEX "user_sessions_expires_at_idx" ON "user_sessions"("expires_at");
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
