import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, closeSync, constants as fsConstants, fstatSync, openSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

/**
 * Runs a CNCF Distribution registry (Debian `docker-registry` 2.8) as a child process on loopback,
 * with its data under `<dataDir>/registry`. Used by the launcher and by tests.
 */

export const DEFAULT_REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface LocalRegistryOptions {
  dataDir: string;
  /** 0 picks a free loopback port. */
  port?: number;
  binary?: string;
}

export interface LocalRegistry {
  url: string;
  /** Distribution's filesystem storage root (Wharf serves blob downloads from it directly). */
  storageDir: string;
  pid: number;
  configPath: string;
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
  const { dataDir, port = 0, binary = DEFAULT_REGISTRY_BINARY } = options;
  if (!isDistributionInstalled(binary)) {
    throw new Error(`Cannot start the registry: ${binary} is missing or not executable. ${INSTALL_HINT}`);
  }
  const root = path.resolve(dataDir, "registry");
  await mkdir(path.join(root, "storage"), { recursive: true });
  const secret = await loadOrCreateSecret(path.join(root, "http-secret"));
  // A port picked by us can be taken by someone else before the registry binds it; try again.
  const attempts = port === 0 ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await findFreePort() : await assertPortFree(port);
    const configPath = await writeConfig(root, chosen, secret);
    try {
      return await launch(binary, configPath, root, chosen);
    } catch (error) {
      if (attempt >= attempts || !(error instanceof AddressInUseError)) throw error;
    }
  }
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

function registryConfig(root: string, port: number, secret: string) {
  return {
    version: "0.1",
    log: { level: "info", formatter: "text", fields: { service: "registry" } },
    storage: {
      filesystem: { rootdirectory: path.join(root, "storage") },
      delete: { enabled: true },
      cache: { blobdescriptor: "inmemory" },
    },
    http: {
      addr: `127.0.0.1:${port}`,
      secret,
      headers: { "X-Content-Type-Options": ["nosniff"] },
    },
    health: { storagedriver: { enabled: false } },
  };
}

/**
 * Written as JSON: JSON is valid YAML and Distribution's YAML parser (gopkg.in/yaml.v2) reads it,
 * which spares us a YAML dependency. Mode 0600 because it holds the HTTP secret.
 */
async function writeConfig(root: string, port: number, secret: string): Promise<string> {
  const configPath = path.join(root, "config.yml");
  await writeFile(configPath, `${JSON.stringify(registryConfig(root, port, secret), null, 2)}\n`, { mode: 0o600 });
  await chmod(configPath, 0o600);
  return configPath;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
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
async function assertPortFree(port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Cannot start the registry: 127.0.0.1:${port} is already in use. Stop whatever holds it or choose another port.`)
          : error,
      ),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
  return port;
}

class AddressInUseError extends Error {}

async function launch(binary: string, configPath: string, root: string, port: number): Promise<LocalRegistry> {
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
  const url = `http://127.0.0.1:${port}`;
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
    await waitUntilReady(url, exited);
  } catch (error) {
    await stop();
    throw await startupError(error, logPath, logStart, configPath);
  }
  return { url, storageDir: path.join(root, "storage"), pid: child.pid ?? -1, configPath, stop };
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

async function waitUntilReady(url: string, exited: ExitWatch): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited.done !== null) throw new Error(`The registry ${exited.done} before answering on ${url}.`);
    if (await answers(url)) return;
    await Promise.race([sleep(POLL_INTERVAL_MS), exited.promise]);
  }
  throw new Error(`The registry did not answer on ${url}/v2/ within ${READY_TIMEOUT_MS / 1000} s.`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.status === 200;
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
