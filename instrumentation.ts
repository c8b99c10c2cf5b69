/**
 * Runs once when a Wharf server process starts (Next.js instrumentation hook): creates the initial
 * `admin` user on first start, and registers the built-in scanner adapter as the default scanner.
 * The launcher has already created the database and applied migrations.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { ensureInitialAdmin } = await import("@/lib/services/system/ensure-initial-admin");
  const { getServerEnv } = await import("@/lib/env");
  const result = await ensureInitialAdmin({ configuredPassword: getServerEnv().WHARF_ADMIN_PASSWORD });
  if (result.created && result.generatedPassword) {
    // Printed exactly once, on the start that created the user; never stored or printed again.
    console.log(
      [
        "",
        "  ┌──────────────────────────────────────────────────────────────┐",
        "  │ Wharf created the initial administrator.                     │",
        `  │   username: admin                                            │`,
        `  │   password: ${result.generatedPassword.padEnd(49)}│`,
        "  │ This password is shown only now. Change it after signing in. │",
        "  └──────────────────────────────────────────────────────────────┘",
        "",
      ].join("\n"),
    );
  } else if (result.created) {
    console.log("wharf: created user admin with the password from WHARF_ADMIN_PASSWORD");
  } else if (result.configuredPasswordIgnored) {
    // Said on every such start: with several instances, the one that created admin may have had
    // no WHARF_ADMIN_PASSWORD and printed a generated password instead.
    console.warn("wharf: WHARF_ADMIN_PASSWORD was not applied: user admin already exists (it sets the password on the first start only)");
  }
  // Wharf's built-in scanner adapter: the default scanner on a first start; follows WHARF_EXTERNAL_URL after.
  try {
    const { ensureBuiltinScanner } = await import("@/lib/services/scan/scanners");
    const scanner = await ensureBuiltinScanner();
    if (scanner.created) console.log("wharf: registered the built-in scanner as the default scanner");
    else if (scanner.updated) console.log("wharf: the built-in scanner's registration now follows WHARF_EXTERNAL_URL and WHARF_SECRET_KEY");
  } catch (error) {
    // Scanning is not worth refusing to start over: the console shows the registration as it is.
    console.error(`wharf: could not register the built-in scanner: ${error instanceof Error ? error.message : String(error)}`);
  }
}
