import { randomBytes } from "node:crypto";
import { inject } from "vitest";

// Every test file talks to the database the global setup created for this run, never the demo's.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.NEXTAUTH_SECRET ??= "test-secret-test-secret-test-secret-0123";
process.env.WHARF_SECRET_KEY ??= "test-wharf-secret-key-test-wharf-secret-key";
// The registries tests start accept only these (as the launcher's own does its generated ones),
// and Wharf's registry client sends them.
process.env.WHARF_REGISTRY_USERNAME ??= "wharf-test";
process.env.WHARF_REGISTRY_PASSWORD ??= randomBytes(24).toString("base64url");
