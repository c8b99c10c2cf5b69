-- Leases on proxy-cache blob fills, so that several Wharf instances fetch each blob from the
-- upstream once (lib/services/proxy-cache/fill-lease.ts).
CREATE TABLE "proxy_blob_fills" (
    "repository" VARCHAR(255) NOT NULL,
    "digest" VARCHAR(135) NOT NULL,
    "holder" VARCHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "proxy_blob_fills_pkey" PRIMARY KEY ("repository", "digest")
);
