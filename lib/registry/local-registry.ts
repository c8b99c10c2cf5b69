import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, closeSync, constants as fsConstants, fstatSync, openSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import bcrypt from "bcryptjs";
import { basicAuthorization, type RegistryCredentials } from "./credentials";
import { connectHost, DEFAULT_REGISTRY_HOST, hostPort } from "./listen-address";
import { fetchForTls } from "./tls-fetch";

/**
 * Runs a CNCF Distribution registry (Debian `docker-registry` 2.8) as a child process, on loopback
 * unless told otherwise, with its data under `<dataDir>/registry` (mode 0700). It requires HTTP
 * Basic credentials (htpasswd auth) that only Wharf holds, so nothing else on the host can list,
 * read or push behind Wharf's back. Used by the launcher and by tests.
 */

export const DEFAULT_REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface LocalRegistryOptions {
  dataDir: string;
  /**
   * 0 picks a free port; "remembered" reuses the port of the last start in this data dir (kept in
   * `<dataDir>/registry/port`) while it is free, so the registry's address stays put across restarts.
   */
  port?: number | "remembered";
  /** Listen address; 127.0.0.1 by default. */
  host?: string;
  /**
   * What the registry accepts. Unset: generated on the first start and kept in
   * `<dataDir>/registry/credentials.json` (0600).
   */
  credentials?: RegistryCredentials;
  /**
   * How the registry authenticates clients. Unset: HTTP Basic against `credentials` (htpasswd),
   * as Wharf's own registry. Tests start others as stand-ins for remote registries: one that asks
   * for nothing, and one with Docker token auth whose tokens come from `realm`.
   */
  auth?: { kind: "htpasswd" } | { kind: "none" } | { kind: "token"; realm: string; service: string; issuer: string; rootCertBundle: string };
  /**
   * Serve https with this certificate and key (PEM files; Distribution's http.tls). Unset: plain
   * http, as Wharf's own registry on loopback. Tests use it as a stand-in for a remote registry
   * behind TLS.
   */
  tls?: { certificateFile: string; keyFile: string };
  binary?: string;
}

type RegistryAuthConfig = NonNullable<LocalRegistryOptions["auth"]>;

export interface LocalRegistry {
  /** How Wharf reaches it (loopback when it listens on a wildcard address). */
  url: string;
  host: string;
  port: number;
  credentials: RegistryCredentials;
  /** Distribution's filesystem storage root (Wharf serves blob downloads from it directly). */
  storageDir: string;
  pid: number;
  configPath: string;
  /** Resolves with how the process ended ("was killed by SIGKILL"), whether stopped or not. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 50;
const STOP_GRACE_MS = 5_000;
const INSTALL_HINT =
  "Is the docker-registry package installed? Run `npm run demo` (which installs it) or `apt-get install docker-registry`.";

export function isDistributionInstalled(binary: string = DEFAULT_REGISTRY_BINARY): boolean {
  try {
    accessSync(binary, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const { dataDir, port = 0, host = DEFAULT_REGISTRY_HOST, binary = DEFAULT_REGISTRY_BINARY } = options;
  if (!isDistributionInstalled(binary)) {
    throw new Error(`Cannot start the registry: ${binary} is missing or not executable. ${INSTALL_HINT}`);
  }
  const root = path.resolve(dataDir, "registry");
  const storageDir = path.join(root, "storage");
  await mkdir(storageDir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to directories it creates; data dirs from earlier versions were 0755.
  await chmod(root, 0o700);
  await chmod(storageDir, 0o700);
  const secret = await loadOrCreateSecret(path.join(root, "http-secret"));
  const credentials = options.credentials ?? (await loadOrCreateCredentials(path.join(root, "credentials.json")));
  const auth: RegistryAuthConfig = options.auth ?? { kind: "htpasswd" };
  const htpasswdPath = await writeHtpasswd(root, credentials);
  // A port picked by us can be taken by someone else before the registry binds it; try again.
  const picksPort = port === 0 || port === "remembered";
  const attempts = picksPort ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const chosen =
      port === "remembered" ? await rememberedPort(root, host) : port === 0 ? await findFreePort(host) : await assertPortFree(port, host);
    const configPath = await writeConfig(root, registryConfig({ root, host, port: chosen, secret, htpasswdPath, auth, tls: options.tls }));
    try {
      return await launch({ binary, configPath, root, host, port: chosen, credentials, auth, tls: options.tls });
    } catch (error) {
      if (attempt >= attempts || !(error instanceof AddressInUseError)) throw error;
      if (port === "remembered") await writeFile(path.join(root, "port"), "");
    }
  }
}

/**
 * The port of the last start in this data dir while it is still free, else a new free one (then
 * remembered). A remembered port held by something else is given up rather than fought over.
 */
async function rememberedPort(root: string, host: string): Promise<number> {
  const file = path.join(root, "port");
  const previous = Number((await readFile(file, "utf8").catch(() => "")).trim());
  if (Number.isInteger(previous) && previous > 0 && previous <= 65535) {
    try {
      return await assertPortFree(previous, host);
    } catch {
      // taken: pick another below
    }
  }
  const port = await findFreePort(host);
  await writeFile(file, `${port}\n`);
  return port;
}

/**
 * Generated once per data dir. 32 random bytes: nobody guesses it, which is also why the bcrypt
 * cost below can be the minimum.
 */
async function loadOrCreateCredentials(file: string): Promise<RegistryCredentials> {
  try {
    const stored = JSON.parse(await readFile(file, "utf8")) as Partial<RegistryCredentials>;
    if (typeof stored.username === "string" && stored.username && typeof stored.password === "string" && stored.password) {
      return { username: stored.username, password: stored.password };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
  }
  const credentials = { username: "wharf", password: randomBytes(32).toString("base64url") };
  await writeSecretFile(file, `${JSON.stringify(credentials)}\n`);
  return credentials;
}

/**
 * Distribution checks the password against this bcrypt hash on every request (it caches
 * nothing). The minimum cost (4) keeps that check well under a millisecond; a higher cost buys
 * nothing for a 256-bit random secret, which cannot be brute-forced at any cost. Rewritten on
 * every start, so a changed password takes effect.
 */
async function writeHtpasswd(root: string, { username, password }: RegistryCredentials): Promise<string> {
  const file = path.join(root, "htpasswd");
  await writeSecretFile(file, `${username}:${bcrypt.hashSync(password, 4)}\n`);
  return file;
}

/** Written beside and renamed over, so a reader never sees half a file; 0600 from the start. */
async function writeSecretFile(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** Kept on disk so upload sessions (whose state is HMAC'd with it) survive restarts. */
async function loadOrCreateSecret(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, "utf8")).trim();
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(32).toString("hex");
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode is ignored when the file already existed (empty).
  return secret;
}

function authSection(auth: RegistryAuthConfig, htpasswdPath: string) {
  switch (auth.kind) {
    case "htpasswd":
      return { htpasswd: { realm: "wharf-backing-registry", path: htpasswdPath } };
    case "token":
      return { token: { realm: auth.realm, service: auth.service, issuer: auth.issuer, rootcertbundle: auth.rootCertBundle } };
    case "none":
      return undefined;
  }
}

function registryConfig({
  root,
  host,
  port,
  secret,
  htpasswdPath,
  auth,
  tls,
}: {
  root: string;
  host: string;
  port: number;
  secret: string;
  htpasswdPath: string;
  auth: RegistryAuthConfig;
  tls?: LocalRegistryOptions["tls"];
}) {
  return {
    version: "0.1",
    log: { level: "info", formatter: "text", fields: { service: "registry" } },
    storage: {
      filesystem: { rootdirectory: path.join(root, "storage") },
      delete: { enabled: true },
      // No blob descriptor cache: after garbage collection swept a blob, an in-memory cache would
      // still say it exists, so a client re-pushing it would skip the upload and the manifest PUT
      // would be accepted over a missing layer. A stat on the local disk is cheap.
    },
    // Every request, /v2/ included, needs Wharf's credentials (the realm is only shown in the 401).
    auth: authSection(auth, htpasswdPath),
    http: {
      addr: hostPort(host, port),
      secret,
      headers: { "X-Content-Type-Options": ["nosniff"] },
      ...(tls ? { tls: { certificate: tls.certificateFile, key: tls.keyFile } } : {}),
    },
    health: { storagedriver: { enabled: false } },
  };
}

/**
 * Written as JSON: JSON is valid YAML and Distribution's YAML parser (gopkg.in/yaml.v2) reads it,
 * which spares us a YAML dependency. Mode 0600 because it holds the HTTP secret.
 */
async function writeConfig(root: string, config: ReturnType<typeof registryConfig>): Promise<string> {
  const configPath = path.join(root, "config.yml");
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(configPath, 0o600);
  return configPath;
}

export async function findFreePort(host = DEFAULT_REGISTRY_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("Could not pick a free port."))));
    });
  });
}

/**
 * Checked up front because readiness is "GET /v2/ answers 200": with the port held by another
 * registry, that check would pass against the other one while ours exits.
 */
async function assertPortFree(port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Cannot start the registry: ${hostPort(host, port)} is already in use. Stop whatever holds it or choose another port.`)
          : error,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
  return port;
}

class AddressInUseError extends Error {}

async function launch({
  binary,
  configPath,
  root,
  host,
  port,
  credentials,
  auth,
  tls,
}: {
  binary: string;
  configPath: string;
  root: string;
  host: string;
  port: number;
  credentials: RegistryCredentials;
  auth: RegistryAuthConfig;
  tls?: LocalRegistryOptions["tls"];
}): Promise<LocalRegistry> {
  const logPath = path.join(root, "registry.log");
  const logFd = openSync(logPath, "a");
  // The log is appended across restarts; errors should quote only this run's lines.
  const logStart = fstatSync(logFd).size;
  let child: ChildProcess;
  try {
    const [command, args] = withParentDeathSignal(binary, ["serve", configPath]);
    child = spawn(command, args, {
      stdio: ["ignore", logFd, logFd],
      // REGISTRY_* variables override config keys; one left in the environment (e.g.
      // REGISTRY_HTTP_ADDR) would silently move or break this registry.
      env: withoutRegistryOverrides(process.env),
    });
  } finally {
    closeSync(logFd); // The child has its own copy.
  }
  const url = `${tls ? "https" : "http"}://${hostPort(connectHost(host), port)}`;
  const exited = watchExit(child);
  // Runs on a normal exit (process.exit, end of work, uncaught error); see withParentDeathSignal.
  const killOnExit = () => {
    if (exited.done === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    await stopChild(child, exited);
  };

  try {
    await waitUntilReady(url, readyWhen(auth, credentials, Boolean(tls)), exited);
  } catch (error) {
    await stop();
    throw await startupError(error, logPath, logStart, configPath);
  }
  // The exit listener must not keep the process alive on its own, and is gone once it fired.
  exited.promise.then(() => process.off("exit", killOnExit), () => undefined);
  return {
    url,
    host,
    port,
    credentials,
    storageDir: path.join(root, "storage"),
    pid: child.pid ?? -1,
    configPath,
    exited: exited.promise,
    stop,
  };
}

const SETPRIV = "/usr/bin/setpriv";

/**
 * A process 'exit' handler does not run when the parent is killed by a signal (test runners tear
 * workers down that way), so where util-linux's setpriv exists the registry is also exec'd with
 * PR_SET_PDEATHSIG: the kernel sends it SIGTERM when we die, however we die. setpriv execs in
 * place, so the pid stays the registry's.
 */
function withParentDeathSignal(binary: string, args: string[]): [string, string[]] {
  if (process.platform !== "linux" || !isDistributionInstalled(SETPRIV)) return [binary, args];
  return [SETPRIV, ["--pdeathsig", "SIGTERM", "--", binary, ...args]];
}

function withoutRegistryOverrides(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...source };
  for (const key of Object.keys(env)) if (key.startsWith("REGISTRY_")) delete env[key];
  return env;
}

interface ExitWatch {
  /** null while running; a description once exited. */
  done: string | null;
  promise: Promise<string>;
}

function watchExit(child: ChildProcess): ExitWatch {
  const watch: ExitWatch = { done: null, promise: Promise.resolve("") };
  watch.promise = new Promise((resolve) => {
    child.once("error", (error) => {
      watch.done = `could not be started: ${error.message}`;
      resolve(watch.done);
    });
    child.once("exit", (code, signal) => {
      watch.done = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve(watch.done);
    });
  });
  return watch;
}

type Readiness = { authorization: string | null; ready: (res: Response) => boolean; fetch: typeof fetch };

/**
 * With our credentials another registry on the port would answer 401, not 200; a token-auth
 * registry answers 401 with a challenge naming our realm, which another one would not.
 */
function readyWhen(auth: RegistryAuthConfig, credentials: RegistryCredentials, tls: boolean): Readiness {
  // Whether it answers is all this asks: over TLS the certificate is the caller's to check.
  const fetch = fetchForTls(tls ? { insecure: true } : undefined);
  switch (auth.kind) {
    case "htpasswd":
      return { authorization: basicAuthorization(credentials), ready: (res) => res.status === 200, fetch };
    case "none":
      return { authorization: null, ready: (res) => res.status === 200, fetch };
    case "token":
      return {
        fetch,
        authorization: null,
        ready: (res) => res.status === 401 && (res.headers.get("www-authenticate") ?? "").includes(`realm="${auth.realm}"`),
      };
  }
}

async function waitUntilReady(url: string, readiness: Readiness, exited: ExitWatch): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited.done !== null) throw new Error(`The registry ${exited.done} before answering on ${url}.`);
    if (await answers(url, readiness)) return;
    await Promise.race([sleep(POLL_INTERVAL_MS), exited.promise]);
  }
  throw new Error(`The registry did not answer on ${url}/v2/ within ${READY_TIMEOUT_MS / 1000} s.`);
}

async function answers(url: string, { authorization, ready, fetch }: Readiness): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/`, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return ready(res);
  } catch {
    return false; // Not listening yet.
  }
}

async function stopChild(child: ChildProcess, exited: ExitWatch): Promise<void> {
  if (exited.done !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  try {
    await exited.promise;
  } finally {
    clearTimeout(timer);
  }
}

async function startupError(error: unknown, logPath: string, logStart: number, configPath: string): Promise<Error> {
  const tail = await lastLines(logPath, logStart, 20);
  const reason = error instanceof Error ? error.message : String(error);
  if (/address already in use/i.test(tail)) {
    return new AddressInUseError(`${reason} The port is already in use.\n--- ${logPath} (last lines) ---\n${tail}`);
  }
  return new Error(
    `${reason}\nCheck ${configPath} and ${logPath}. ${INSTALL_HINT}\n--- ${logPath} (last lines) ---\n${tail || "(empty)"}`,
  );
}

async function lastLines(file: string, from: number, count: number): Promise<string> {
  try {
    const text = (await readFile(file)).subarray(from).toString("utf8");
    return text.trimEnd().split("\n").slice(-count).join("\n");
  } catch {
    return "";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
