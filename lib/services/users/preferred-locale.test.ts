import { describe, expect, it } from "vitest";
import { anonymousActor, systemActor } from "@/lib/auth/actor";
import { UnauthenticatedError } from "@/lib/errors";
import { getPreferredLocale, setPreferredLocale } from "@/lib/services/users/preferred-locale";
import { actorFor, auditRowsFor, createTestUser, db } from "@/lib/testing/factories";
import { ZSetPreferredLocale } from "@/lib/validation/users";

describe("a user's console language", () => {
  it("is unset until chosen, then stored on the user with exactly one audit row per change", async () => {
    const user = await createTestUser();
    const actor = actorFor(user);
    expect(await getPreferredLocale(actor)).toBeNull();

    expect(await setPreferredLocale({ actor, input: { locale: "zh-CN" } })).toBe("zh-CN");
    expect(await getPreferredLocale(actor)).toBe("zh-CN");
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).locale).toBe("zh-CN");

    await setPreferredLocale({ actor, input: { locale: "en" } });
    expect(await getPreferredLocale(actor)).toBe("en");

    const rows = (await auditRowsFor("user", user.username)).filter((r) => r.action === "user.set_locale");
    expect(rows.map((r) => [r.result, r.actorName, r.detail])).toEqual([
      ["success", user.username, { before: null, after: "zh-CN" }],
      ["success", user.username, { before: "zh-CN", after: "en" }],
    ]);
  });

  it("may be changed by an auditor (their own preference, nothing in the registry)", async () => {
    const auditor = await createTestUser({ isAuditor: true });
    await setPreferredLocale({ actor: actorFor(auditor), input: { locale: "zh-CN" } });
    expect(await getPreferredLocale(actorFor(auditor))).toBe("zh-CN");
  });

  it("belongs to users only: anonymous callers and Wharf itself have none, and nothing is written", async () => {
    const before = await db.auditEvent.count();
    await expect(setPreferredLocale({ actor: anonymousActor(), input: { locale: "zh-CN" } })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(setPreferredLocale({ actor: systemActor("test"), input: { locale: "zh-CN" } })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await db.auditEvent.count()).toBe(before);
  });

  it("is one of the console's languages: anything else is a field error", () => {
    expect(ZSetPreferredLocale.safeParse({ locale: "zh-CN" }).success).toBe(true);
    const bad = ZSetPreferredLocale.safeParse({ locale: "fr" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe("Choose English or 简体中文");
  });

  it("rejects a value the schema would not let through at the database too", async () => {
    const user = await createTestUser();
    await expect(db.$executeRaw`UPDATE users SET locale = 'fr' WHERE id = ${user.id}`).rejects.toThrow(/users_locale_check/);
  });
});
