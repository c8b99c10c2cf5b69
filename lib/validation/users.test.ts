import { describe, expect, it } from "vitest";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZChangeOwnPassword, ZCreateUser } from "@/lib/validation/users";

const valid = { username: "alice", email: "Alice@Example.com", fullName: "Alice Doe", password: "Secr3tPass" };

function errorsFor(input: Record<string, unknown>) {
  const parsed = ZCreateUser.safeParse(input);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
}

describe("ZCreateUser", () => {
  it("accepts a valid user and normalises the email", () => {
    expect(ZCreateUser.parse({ ...valid, isAdmin: "on" })).toEqual({ ...valid, email: "alice@example.com", isAdmin: true });
    expect(ZCreateUser.parse(valid).isAdmin).toBe(false);
  });

  it.each([
    ["empty username", { username: "" }, "username", /required/],
    ["too long username", { username: "a".repeat(256) }, "username", /at most 255/],
    ["username with Harbor's forbidden characters", { username: "bad#name" }, "username", /must not contain/],
    ["username with a colon", { username: "a:b" }, "username", /must not contain/],
    ["username with a space", { username: "a b" }, "username", /must not contain/],
    ["invalid email", { email: "not-an-email" }, "email", /valid email/],
    ["empty email", { email: "" }, "email", /required/],
    ["too long email", { email: `${"a".repeat(250)}@example.com` }, "email", /at most 255/],
    ["empty full name", { fullName: "   " }, "fullName", /required/],
    ["too long full name", { fullName: "x".repeat(256) }, "fullName", /at most 255/],
    ["short password", { password: "Ab1" }, "password", /8-128/],
    ["password without uppercase", { password: "secr3tpass" }, "password", /uppercase/],
    ["password without a digit", { password: "SecretPass" }, "password", /digit/],
    ["too long password", { password: `Aa1${"x".repeat(126)}` }, "password", /8-128/],
  ])("rejects %s with a field error", (_name, change, field, message) => {
    const errors = errorsFor({ ...valid, ...change });
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]!.join(" ")).toMatch(message);
  });

  it("reports every missing field at once", () => {
    expect(Object.keys(errorsFor({})).sort()).toEqual(["email", "fullName", "password", "username"]);
  });
});

describe("ZChangeOwnPassword", () => {
  it("needs matching new passwords that differ from the current one", () => {
    const parse = (v: Record<string, string>) => {
      const r = ZChangeOwnPassword.safeParse(v);
      return r.success ? {} : fieldErrorsOf(r.error);
    };
    expect(parse({ currentPassword: "Old-passw0rd", newPassword: "New-passw0rd", confirmPassword: "Other-passw0rd" })).toHaveProperty(
      "confirmPassword",
    );
    expect(parse({ currentPassword: "Same-passw0rd", newPassword: "Same-passw0rd", confirmPassword: "Same-passw0rd" })).toHaveProperty(
      "newPassword",
    );
    expect(parse({ currentPassword: "Old-passw0rd", newPassword: "New-passw0rd", confirmPassword: "New-passw0rd" })).toEqual({});
  });
});
