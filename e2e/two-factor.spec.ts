import { expect, test } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { ADMIN, signIn, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";

/**
 * TOTP two-factor sign-in (issue 18 item 4) in the production build: a user enrols from the QR
 * code's secret (the test computes codes from it, as an authenticator app would), signs in with
 * password and code and with a recovery code, registry clients need the CLI secret, and an
 * administrator resets it.
 */
const adminAuth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;
const basic = (username: string, secret: string) => `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}`;
const codeAt = (secret: string, timestamp: number) => new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp });

test("a user turns on two-factor sign-in, signs in with a code and with a recovery code, registry clients use the CLI secret, and an administrator resets it", async ({ page, request, browser }) => {
  test.setTimeout(120_000);
  const username = uniqueUsername("mfa");
  const created = await request.post("/api/v2.0/users", {
    headers: { Authorization: adminAuth },
    data: { username, email: `${username}@example.test`, realname: "Two Factor", password: USER_PASSWORD },
  });
  expect(created.status()).toBe(201);

  await signInAs(page, username, USER_PASSWORD);
  await page.goto("/account");
  const panel = page.getByTestId("two-factor");
  await expect(panel.getByTestId("two-factor-state")).toHaveText("Two-factor sign-in is off.");
  await panel.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const enrolment = panel.getByTestId("two-factor-enrolment");
  await expect(enrolment.getByRole("img", { name: "QR code of your two-factor secret" })).toBeVisible();
  const secret = (await enrolment.getByTestId("two-factor-secret").textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);

  await enrolment.getByLabel("Code").fill("000000" === codeAt(secret, Date.now()) ? "111111" : "000000");
  await enrolment.getByRole("button", { name: "Turn on" }).click();
  await expect(enrolment.getByTestId("error-code")).toHaveText("That code is not right. Type the six digits your app shows now.");
  const enrolledAt = Date.now();
  await enrolment.getByLabel("Code").fill(codeAt(secret, enrolledAt));
  await enrolment.getByRole("button", { name: "Turn on" }).click();
  const codes = panel.getByTestId("recovery-codes").getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recoveryCode = (await codes.nth(0).textContent())!.trim();
  await expect(panel.getByTestId("two-factor-state")).toContainText("Two-factor sign-in is on since");
  await expect(panel.getByTestId("two-factor-state")).toContainText("10 recovery codes left.");

  // Registry and REST clients: the password no longer works; the CLI secret does.
  const token = (auth: string) => request.get("/service/token?service=wharf-registry", { headers: { Authorization: auth } });
  expect((await token(basic(username, USER_PASSWORD))).status()).toBe(401);
  await panel.getByRole("button", { name: "Generate a new CLI secret" }).click();
  const cliSecret = (await panel.getByTestId("cli-secret-value").textContent())!.trim();
  expect((await token(basic(username, cliSecret))).status()).toBe(200);

  // Signing in: the password, then the code (of the next step: the enrolment's own was used).
  await signOut(page);
  await signIn(page, username, USER_PASSWORD);
  const step = page.getByTestId("two-factor-step");
  await expect(step).toBeVisible();
  // A new field: never the password form's input reused (which showed the password as text).
  await expect(step.getByLabel("Two-factor code")).toHaveValue("");
  await expect(step.getByLabel("Two-factor code")).toHaveAttribute("autocomplete", "one-time-code");
  await step.getByLabel("Two-factor code").fill("12345");
  await step.getByRole("button", { name: "Verify" }).click();
  await expect(step.getByTestId("sign-in-error")).toHaveText("Wrong two-factor code.");
  await step.getByLabel("Two-factor code").fill(codeAt(secret, Math.max(Date.now(), enrolledAt + 30_000)));
  await step.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);

  // A recovery code, once.
  await signOut(page);
  await signIn(page, username, USER_PASSWORD);
  await page.getByTestId("two-factor-step").getByLabel("Two-factor code").fill(recoveryCode);
  await page.getByTestId("two-factor-step").getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);
  await page.goto("/account");
  await expect(page.getByTestId("two-factor-state")).toContainText("9 recovery codes left.");

  // An administrator resets it: the password alone signs in again.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAs(admin, ADMIN.username, ADMIN.password);
  const users = (await (await request.get(`/api/v2.0/users/search?username=${username}`, { headers: { Authorization: adminAuth } })).json()) as { user_id: number; username: string }[];
  await admin.goto(`/admin/users/${users.find((u) => u.username === username)!.user_id}`);
  const reset = admin.getByTestId("user-two-factor");
  await expect(reset).toContainText("On since");
  await reset.getByRole("button", { name: "Reset two-factor sign-in" }).click();
  await expect(reset.getByRole("status")).toHaveText("Two-factor sign-in reset. The user signs in with the password and can set it up again.");
  await adminContext.close();

  await signOut(page);
  await signInAs(page, username, USER_PASSWORD);
  expect((await token(basic(username, USER_PASSWORD))).status()).toBe(200);
});

test("requiring two-factor for administrators: refused until one's own is on; then an administrator without it keeps the account but not the rights, until enrolled", async ({ page, request, browser }) => {
  test.setTimeout(150_000);
  const makeAdmin = async (prefix: string) => {
    const username = uniqueUsername(prefix);
    expect(
      (await request.post("/api/v2.0/users", { headers: { Authorization: adminAuth }, data: { username, email: `${username}@example.test`, realname: "Admin", password: USER_PASSWORD } })).status(),
    ).toBe(201);
    const users = (await (await request.get(`/api/v2.0/users/search?username=${username}`, { headers: { Authorization: adminAuth } })).json()) as { user_id: number; username: string }[];
    const id = users.find((u) => u.username === username)!.user_id;
    expect((await request.put(`/api/v2.0/users/${id}/sysadmin`, { headers: { Authorization: adminAuth }, data: { sysadmin_flag: true } })).status()).toBe(200);
    return username;
  };
  const lead = await makeAdmin("req");
  const other = await makeAdmin("paused");

  try {
    await signInAs(page, lead, USER_PASSWORD);
    await page.goto("/admin/settings");
    const form = page.getByTestId("admin-two-factor-form");
    await form.getByLabel("Require two-factor sign-in for administrators").check();
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByTestId("error-requireAdminTwoFactor")).toHaveText(
      "Turn on your own two-factor sign-in first (Account): requiring it now would pause your administrator rights",
    );

    // Enrol, then require it.
    await page.goto("/account");
    await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    const secret = (await page.getByTestId("two-factor-secret").textContent())!.trim();
    await page.getByTestId("two-factor-enrolment").getByLabel("Code").fill(codeAt(secret, Date.now()));
    await page.getByTestId("two-factor-enrolment").getByRole("button", { name: "Turn on" }).click();
    await expect(page.getByTestId("recovery-codes")).toBeVisible();
    await page.goto("/admin/settings");
    await page.getByTestId("admin-two-factor-form").getByLabel("Require two-factor sign-in for administrators").check();
    await page.getByTestId("admin-two-factor-form").getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("admin-two-factor-form").getByRole("status")).toHaveText("Two-factor requirement saved.");

    // The other administrator: signed in, told why, no administrator rights in the console or over REST.
    expect((await request.get("/api/v2.0/users", { headers: { Authorization: basic(other, USER_PASSWORD) } })).status()).toBe(403);
    const pausedContext = await browser.newContext();
    const paused = await pausedContext.newPage();
    await signInAs(paused, other, USER_PASSWORD);
    await expect(paused.getByTestId("admin-paused")).toContainText("Your administrator rights are paused");
    const users = await paused.goto("/admin/users");
    expect(users?.status()).toBe(200);
    await expect(paused.getByTestId("refusal")).toBeVisible();

    // Enrolled, the rights are back.
    await paused.getByTestId("admin-paused").getByRole("link", { name: "Set it up on your account page" }).click();
    await paused.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    const otherSecret = (await paused.getByTestId("two-factor-secret").textContent())!.trim();
    await paused.getByTestId("two-factor-enrolment").getByLabel("Code").fill(codeAt(otherSecret, Date.now()));
    await paused.getByTestId("two-factor-enrolment").getByRole("button", { name: "Turn on" }).click();
    await expect(paused.getByTestId("recovery-codes")).toBeVisible();
    await paused.goto("/admin/users");
    await expect(paused.getByTestId("admin-paused")).toHaveCount(0);
    await expect(paused.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    await pausedContext.close();
  } finally {
    // Whatever happened, the specs after this one find administrators unpaused.
    await page.goto("/admin/settings");
    const form = page.getByTestId("admin-two-factor-form");
    await form.getByLabel("Require two-factor sign-in for administrators").uncheck();
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByRole("status")).toHaveText("Two-factor requirement saved.");
  }
});
