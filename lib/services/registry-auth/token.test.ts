import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  // Read once by getServerEnv(); the launcher always sets it in production.
  process.env.WHARF_SECRET_KEY ??= "registry-auth-tests-secret-key-0123456789";
});

import { REGISTRY_SERVICE, TOKEN_ISSUER, TOKEN_TTL_SECONDS } from "@/lib/services/registry-auth/constants";
import {
  createKeyIfMissing,
  getSigningKey,
  libtrustKeyId,
  resetSigningKeyCache,
  seal,
  unseal,
} from "@/lib/services/registry-auth/signing-key";
import {
  grantedActions,
  InvalidTokenError,
  signRegistryToken,
  tokenGrants,
  verifyRegistryToken,
} from "@/lib/services/registry-auth/token";
import { db } from "@/lib/testing/factories";

const ACCESS = [{ type: "repository", name: "lib/app", actions: ["pull", "push"] }];

async function refusal(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => new Error("expected the token to be refused"),
    (e: unknown) => e,
  );
  if (!(error instanceof InvalidTokenError)) throw error;
  return error;
}

/** Signs claims of our choosing with a key of our choosing: what a forger (or a bug) could send. */
async function craft(
  claims: Record<string, unknown>,
  { key, kid, alg = "ES256" }: { key?: Parameters<SignJWT["sign"]>[0]; kid?: string; alg?: string } = {},
) {
  const ours = await getSigningKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: TOKEN_ISSUER, sub: "alice", aud: REGISTRY_SERVICE, iat: now, nbf: now, exp: now + 300, access: ACCESS, ...claims })
    .setProtectedHeader({ alg, kid: kid ?? ours.kid })
    .sign(key ?? ours.privateKey);
}

beforeAll(async () => {
  resetSigningKeyCache();
});

describe("the signing key", () => {
  it("is created once, stored encrypted, and identified by its libtrust key id", async () => {
    const key = await getSigningKey();
    const rows = await db.tokenSigningKey.findMany();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ kid: key.kid, algorithm: "ES256" });
    expect(key.kid).toMatch(/^(?:[A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(key.kid).toBe(libtrustKeyId(createPublicKey(row!.publicKeyPem)));
    expect(row!.privateKeyEncrypted).toMatch(/^v1\./);
    expect(row!.privateKeyEncrypted).not.toContain("PRIVATE KEY");
    expect(Buffer.from(row!.privateKeyEncrypted.split(".")[3]!, "base64url").toString("latin1")).not.toContain("PRIVATE KEY");
    // Another instance (a fresh cache) loads the same key rather than making its own.
    resetSigningKeyCache();
    expect((await getSigningKey()).kid).toBe(key.kid);
  });

  it("is created exactly once when instances race on an empty table", async () => {
    await db.tokenSigningKey.deleteMany();
    resetSigningKeyCache();
    await Promise.all(Array.from({ length: 6 }, () => createKeyIfMissing()));
    expect(await db.tokenSigningKey.count()).toBe(1);
  });

  it("cannot be decrypted with another kid (the ciphertext is bound to its row)", () => {
    const sealed = seal("secret pem", "AAAA:BBBB");
    expect(unseal(sealed, "AAAA:BBBB")).toBe("secret pem");
    expect(() => unseal(sealed, "AAAA:CCCC")).toThrow(/cannot be decrypted: WHARF_SECRET_KEY/);
    expect(() => unseal(`v2.${sealed.slice(3)}`, "AAAA:BBBB")).toThrow(/unknown format/);
  });
});

describe("signRegistryToken / verifyRegistryToken", () => {
  it("round-trips Distribution's format: ES256, kid, string aud, short expiry", async () => {
    const issued = await signRegistryToken({ subject: "alice", access: ACCESS });
    expect(issued.access_token).toBe(issued.token);
    expect(issued.expires_in).toBe(TOKEN_TTL_SECONDS);
    expect(Date.parse(issued.issued_at)).toBeLessThanOrEqual(Date.now());
    const [header, payload] = issued.token.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: "ES256", typ: "JWT", kid: (await getSigningKey()).kid });
    expect(payload).toMatchObject({ iss: TOKEN_ISSUER, sub: "alice", aud: REGISTRY_SERVICE, access: ACCESS });
    expect(typeof payload!.aud).toBe("string");
    expect(payload!.exp).toBe((payload!.iat as number) + TOKEN_TTL_SECONDS);
    expect(payload!.jti).toEqual(expect.any(String));

    const claims = await verifyRegistryToken(issued.token);
    expect(claims).toMatchObject({ sub: "alice", access: ACCESS });
  });

  it("accepts an anonymous token (empty subject)", async () => {
    const { token } = await signRegistryToken({ subject: "", access: [] });
    expect((await verifyRegistryToken(token)).sub).toBe("");
  });

  it("refuses a forged token: payload changed after signing", async () => {
    const { token } = await signRegistryToken({ subject: "alice", access: ACCESS });
    const [h, , s] = token.split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()), access: [{ type: "repository", name: "lib/app", actions: ["*"] }] }),
    ).toString("base64url");
    expect((await refusal(verifyRegistryToken(`${h}.${forgedPayload}.${s}`))).message).toMatch(/signature is not valid/);
    expect((await refusal(verifyRegistryToken("not.a.token"))).message).toMatch(/malformed/);
    expect((await refusal(verifyRegistryToken(""))).message).toMatch(/malformed/);
  });

  it("refuses an expired token, after the 60 s leeway only", async () => {
    const ttl = TOKEN_TTL_SECONDS * 1000;
    const stale = await signRegistryToken({ subject: "alice", access: ACCESS }, { now: Date.now() - ttl - 90_000 });
    expect((await refusal(verifyRegistryToken(stale.token))).message).toMatch(/expired/);
    const late = await signRegistryToken({ subject: "alice", access: ACCESS }, { now: Date.now() - ttl - 30_000 });
    await expect(verifyRegistryToken(late.token)).resolves.toMatchObject({ sub: "alice" });
    // A cached verification does not outlive the token either.
    const fresh = await signRegistryToken({ subject: "alice", access: ACCESS });
    await verifyRegistryToken(fresh.token);
    expect((await refusal(verifyRegistryToken(fresh.token, { now: Date.now() + ttl + 90_000 }))).message).toMatch(/expired/);
  });

  it("refuses a token that is not yet valid (nbf beyond the leeway)", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(verifyRegistryToken(await craft({ nbf: now + 120, iat: now + 120, exp: now + 400 }))))).toBeInstanceOf(InvalidTokenError);
  });

  it("refuses a wrong audience (including an array) and a wrong issuer", async () => {
    expect((await refusal(verifyRegistryToken(await craft({ aud: "other-registry" })))).message).toMatch(/aud/);
    expect((await refusal(verifyRegistryToken(await craft({ aud: [REGISTRY_SERVICE, "x"] })))).message).toMatch(/format/);
    expect((await refusal(verifyRegistryToken(await craft({ iss: "harbor-token-issuer" })))).message).toMatch(/iss/);
    expect((await refusal(verifyRegistryToken(await craft({ exp: undefined })))).message).toMatch(/exp/);
    expect((await refusal(verifyRegistryToken(await craft({ access: "everything" })))).message).toMatch(/format/);
  });

  it("refuses a token signed by another key, under our kid or its own", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect((await refusal(verifyRegistryToken(await craft({}, { key: privateKey }))))).toBeInstanceOf(InvalidTokenError);
    expect((await refusal(verifyRegistryToken(await craft({}, { key: privateKey, kid: libtrustKeyId(publicKey) })))).message).toMatch(
      /not signed by a key of this Wharf/,
    );
  });

  it("refuses other algorithms (HS256 with a guessable secret, none)", async () => {
    const hs = await craft({}, { key: new TextEncoder().encode("x".repeat(32)), alg: "HS256" });
    expect((await refusal(verifyRegistryToken(hs))).message).toMatch(/ES256|malformed/);
    const [h, p] = (await craft({})).split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", kid: JSON.parse(Buffer.from(h!, "base64url").toString()).kid as string })).toString("base64url")}.${p}.`;
    expect(await refusal(verifyRegistryToken(none))).toBeInstanceOf(InvalidTokenError);
  });
});

describe("tokenGrants", () => {
  it("needs every action, or '*'", () => {
    const claims = { access: [...ACCESS, { type: "repository", name: "lib/all", actions: ["*"] }, { type: "registry", name: "catalog", actions: ["*"] }] };
    expect(tokenGrants(claims, "repository", "lib/app", ["pull", "push"])).toBe(true);
    expect(tokenGrants(claims, "repository", "lib/app", ["delete"])).toBe(false);
    expect(tokenGrants(claims, "repository", "lib/all", ["delete"])).toBe(true);
    expect(tokenGrants(claims, "repository", "lib/other", ["pull"])).toBe(false);
    expect(tokenGrants(claims, "registry", "catalog", ["*"])).toBe(true);
    expect([...grantedActions(claims, "repository", "lib/app")]).toEqual(["pull", "push"]);
  });
});
