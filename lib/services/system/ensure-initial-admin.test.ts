import { describe, expect, it, vi } from "vitest";

// Read once by getServerEnv(), which the start-up hook (instrumentation.ts) consults; the service
// itself takes the password as an argument, so the other tests are unaffected.
vi.hoisted(() => {
  process.env.WHARF_ADMIN_PASSWORD = "Harbor12345";
});

import { register } from "@/instrumentation";
import { verifyPassword } from "@/lib/auth/password";
import { ValidationError } from "@/lib/errors";
import { ensureInitialAdmin, INITIAL_ADMIN_USERNAME } from "@/lib/services/system/ensure-initial-admin";
import { auditRowsFor, db } from "@/lib/testing/factories";

describe("ensureInitialAdmin", () => {
  it("refuses a weak WHARF_ADMIN_PASSWORD, creates admin once, then never touches it again", async () => {
    // The test database is fresh: no admin user yet.
    expect(await db.user.count({ where: { username: INITIAL_ADMIN_USERNAME } })).toBe(0);

    await expect(ensureInitialAdmin({ configuredPassword: "weak" })).rejects.toBeInstanceOf(ValidationError);
    expect(await db.user.count({ where: { username: INITIAL_ADMIN_USERNAME } })).toBe(0);

    expect(await ensureInitialAdmin({ configuredPassword: "Harbor12345" })).toEqual({ created: true, generatedPassword: null });
    const admin = await db.user.findUniqueOrThrow({ where: { username: INITIAL_ADMIN_USERNAME } });
    expect(admin.isAdmin).toBe(true);
    expect(await verifyPassword(admin.passwordHash, "Harbor12345")).toBe(true);

    // A later start with another password changes nothing.
    expect(await ensureInitialAdmin({ configuredPassword: "Different12345" })).toEqual({ created: false, configuredPasswordIgnored: true });
    const again = await db.user.findUniqueOrThrow({ where: { username: INITIAL_ADMIN_USERNAME } });
    expect(again.passwordHash).toBe(admin.passwordHash);

    const rows = await auditRowsFor("user", INITIAL_ADMIN_USERNAME);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ principalKind: "system", action: "user.create" });
    expect(JSON.stringify(rows[0]!.detail)).not.toContain("Harbor12345");
  });

  it("generates a policy-compliant password when none is configured", async () => {
    await db.user.delete({ where: { username: INITIAL_ADMIN_USERNAME } });
    const result = await ensureInitialAdmin({ configuredPassword: undefined });
    expect(result.created).toBe(true);
    const generated = result.created ? result.generatedPassword : null;
    expect(generated).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{24,}$/);
    const admin = await db.user.findUniqueOrThrow({ where: { username: INITIAL_ADMIN_USERNAME } });
    expect(await verifyPassword(admin.passwordHash, generated!)).toBe(true);
  });

  it("two instances starting at once: one creates admin; the other, which had a password, is told it was not applied", async () => {
    await db.user.delete({ where: { username: INITIAL_ADMIN_USERNAME } });
    const [withoutPassword, withPassword] = await Promise.all([
      ensureInitialAdmin({ configuredPassword: undefined }),
      ensureInitialAdmin({ configuredPassword: "Harbor12345" }),
    ]);
    expect([withoutPassword, withPassword].filter((r) => r.created)).toHaveLength(1);
    if (!withoutPassword.created) expect(withoutPassword).toEqual({ created: false, configuredPasswordIgnored: false });
    if (!withPassword.created) expect(withPassword).toEqual({ created: false, configuredPasswordIgnored: true });
    // Without a password, an existing admin is nothing to report.
    expect(await ensureInitialAdmin({ configuredPassword: undefined })).toEqual({ created: false, configuredPasswordIgnored: false });
  });

  it("the start-up hook warns in one line when WHARF_ADMIN_PASSWORD finds admin already there", async () => {
    expect(await db.user.count({ where: { username: INITIAL_ADMIN_USERNAME } })).toBe(1);
    vi.stubEnv("NEXT_RUNTIME", "nodejs");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await register();
      expect(warn.mock.calls).toEqual([[expect.stringMatching(/^wharf: WHARF_ADMIN_PASSWORD was not applied: user admin already exists/)]]);
    } finally {
      warn.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});
