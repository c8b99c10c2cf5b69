import { afterAll, describe, expect, it } from "vitest";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { getIpAllowlist, ipAllowlistDecision, recordIpAllowlistDenial, updateIpAllowlist } from "@/lib/services/ip-allowlist/ip-allowlist";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { ZIpAllowlist } from "@/lib/validation/ip-allowlist";

/*
 * The system IP allowlist against Postgres. The setting is one row of the database every test
 * file of the run shares, and other files start Wharf's front: every list saved here admits all
 * of 0.0.0.0-223.255.255.255 and all IPv6, so only 240.0.0.0/4 addresses (used by nobody else)
 * are ever refused, and the list is emptied again at the end.
 */
const WIDE = ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "::/0"];
const OUTSIDE = "240.0.0.7";

afterAll(async () => {
  const admin = await createTestUser({ isAdmin: true });
  await updateIpAllowlist({ actor: actorFor(admin), input: [] });
});

const rowsOf = (action: string) => db.auditEvent.findMany({ where: { action, resourceType: "ip_allowlist" }, orderBy: { id: "asc" } });

describe("the IP allowlist's input", () => {
  it("takes addresses and CIDR ranges, trims and drops blanks and repeats, and names each bad entry", () => {
    expect(ZIpAllowlist.parse([" 10.0.0.0/8 ", "", "10.0.0.0/8", "2001:db8::/32", "192.0.2.1"])).toEqual(["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]);
    const bad = ZIpAllowlist.safeParse(["10.0.0.0/33", "example.com", "10.1.0.0/16"]);
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message)).toEqual([
      `"10.0.0.0/33" has an invalid prefix length (0-32 for IPv4)`,
      `"example.com" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)`,
    ]);
    expect(ZIpAllowlist.safeParse(Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`)).success).toBe(false);
  });
});

describe("the system IP allowlist", () => {
  it("lets everyone in while empty; once saved, admits addresses in it (IPv4-mapped too) and refuses the rest", async () => {
    const admin = await createTestUser({ isAdmin: true });
    await updateIpAllowlist({ actor: actorFor(admin), input: [] });
    expect(await ipAllowlistDecision(OUTSIDE)).toEqual({ allowed: true });

    const before = (await rowsOf("ip_allowlist.update")).length;
    const saved = await updateIpAllowlist({ actor: actorFor(admin), input: WIDE });
    expect(saved.entries).toEqual(WIDE);
    // The deciding process sees the change at once (its cache is dropped after the commit).
    expect(await ipAllowlistDecision(OUTSIDE)).toEqual({ allowed: false, reason: `address ${OUTSIDE} is not in the IP allowlist` });
    expect(await ipAllowlistDecision("10.1.2.3")).toEqual({ allowed: true });
    expect(await ipAllowlistDecision("2001:db8::1")).toEqual({ allowed: true });
    expect(await ipAllowlistDecision(null)).toMatchObject({ allowed: false });

    const rows = await rowsOf("ip_allowlist.update");
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ result: "success", actorName: admin.username, detail: { before: [], after: WIDE } });
  });

  it("refuses a list that would lock the administrator out, at the field, saving nothing", async () => {
    const admin = await createTestUser({ isAdmin: true });
    await updateIpAllowlist({ actor: actorFor(admin), input: WIDE });
    const before = (await rowsOf("ip_allowlist.update")).length;
    const elsewhere = { ...actorFor(admin), client: { ip: "240.0.0.9", userAgent: "vitest" } };
    const error = await updateIpAllowlist({ actor: elsewhere, input: ["10.0.0.0/8"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.entries).toEqual([
      "Your own address (240.0.0.9) is not in the list: add it, or a range holding it, so you can still reach Wharf",
    ]);
    expect((await getIpAllowlist({ actor: actorFor(admin) })).entries).toEqual(WIDE);
    expect(await rowsOf("ip_allowlist.update")).toHaveLength(before);
    // Emptying the list never locks anyone out.
    await expect(updateIpAllowlist({ actor: elsewhere, input: [] })).resolves.toMatchObject({ entries: [] });
  });

  it("auditors read it and cannot change it (one failure row); other users cannot read it", async () => {
    const auditor = await createTestUser({ isAuditor: true });
    const user = await createTestUser();
    await expect(getIpAllowlist({ actor: actorFor(auditor) })).resolves.toHaveProperty("entries");
    const failures = (await rowsOf("ip_allowlist.update")).filter((r) => r.result === "failure").length;
    await expect(updateIpAllowlist({ actor: actorFor(auditor), input: [] })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await rowsOf("ip_allowlist.update")).filter((r) => r.result === "failure")).toHaveLength(failures + 1);
    await expect(getIpAllowlist({ actor: actorFor(user) })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("records a refused client once a minute, counting its repeats on that row", async () => {
    const address = "240.0.0.21";
    for (let i = 0; i < 3; i += 1) await recordIpAllowlistDenial({ address, userAgent: "curl/8", area: "api" });
    const rows = await db.auditEvent.findMany({ where: { action: "ip_allowlist.deny", clientIp: address } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: "failure", repeatCount: 3, principalKind: "anonymous", reason: `address ${address} is not in the IP allowlist`, detail: { area: "api" } });
  });
});
