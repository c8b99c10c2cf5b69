import { startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from "./local-registry";

/**
 * Keeps the registry Wharf runs alive: when the child exits on its own (killed, crashed), it is
 * started again on the same address, data and credentials, after a delay that doubles with each
 * failure in a row (1 s, 2 s, 4 s … at most 60 s). While it is down the /v2 ping and readiness
 * answer 503 and System health says why and when the next attempt is.
 *
 * The status lives on globalThis because the launcher, Wharf's front and Next's bundled routes
 * each load their own copy of this module in one process; a module variable would not be seen
 * by the health check.
 */

export type RegistrySupervisorStatus = {
  state: "running" | "down";
  url: string;
  /** Successful restarts since Wharf started. */
  restarts: number;
  /** How and when the child last ended on its own. */
  lastExit: { at: string; reason: string } | null;
  /** The last restart attempt that failed, while down. */
  lastError: string | null;
  /** When the next restart attempt starts, while down. */
  nextAttemptAt: string | null;
};

export interface SupervisedRegistry {
  url: string;
  storageDir: string;
  /** The config file it runs with (rewritten, same path, on every restart). */
  configPath: string;
  credentials: LocalRegistry["credentials"];
  /** The running child's process id (changes on every restart); null while down. */
  pid(): number | null;
  /** Resolves once the registry runs again (at once when it runs). */
  running(): Promise<void>;
  status(): RegistrySupervisorStatus;
  /**
   * Stops restarting it, leaving the child running: called as Wharf begins to stop, since a
   * terminal's Ctrl-C (or a process-group SIGTERM) reaches the child too, and its exit then is
   * part of the stop, not a crash to recover from.
   */
  stopSupervising(): void;
  /** Stops supervising, then the child. */
  stop(): Promise<void>;
}

export interface SupervisorOptions extends LocalRegistryOptions {
  log: (message: string) => void;
  /**
   * Waits before restart attempt `attempt` (1-based); resolves early when `signal` aborts (stop).
   * Tests replace it to decide when the restart happens.
   */
  waitBeforeRestart?: (delayMs: number, attempt: number, signal: AbortSignal) => Promise<void>;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;
/** A child that ran this long before dying starts the backoff over. */
const STABLE_AFTER_MS = 60_000;

const STATUS_KEY = Symbol.for("wharf.registrySupervisor.status");
type StatusHolder = { [STATUS_KEY]?: RegistrySupervisorStatus };

/** The supervisor's status in this process, or null when Wharf does not run its registry. */
export function getRegistrySupervisorStatus(): RegistrySupervisorStatus | null {
  return (globalThis as StatusHolder)[STATUS_KEY] ?? null;
}

export function restartDelayMs(failuresInARow: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failuresInARow - 1));
}

/** One line for the health check: why the registry is down and what happens next. */
export function describeDown(status: RegistrySupervisorStatus): string {
  const parts = ["The registry Wharf runs is down"];
  if (status.lastExit) parts[0] += ` (it ${status.lastExit.reason} at ${status.lastExit.at})`;
  if (status.lastError) parts.push(`the last restart failed: ${status.lastError}`);
  parts.push(status.nextAttemptAt ? `next restart attempt at ${status.nextAttemptAt}` : "restarting now");
  return `${parts.join("; ")}.`;
}

function sleep(delayMs: number, _attempt: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, delayMs);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Starts the registry (failing as startLocalRegistry does) and supervises it from then on. */
export async function superviseLocalRegistry(options: SupervisorOptions): Promise<SupervisedRegistry> {
  const { log, waitBeforeRestart = sleep, ...startOptions } = options;
  let current: LocalRegistry | null = await startLocalRegistry(startOptions);
  // Restarts keep the address: WHARF_REGISTRY_URL was handed to the server already.
  const restartOptions: LocalRegistryOptions = { ...startOptions, host: current.host, port: current.port, credentials: current.credentials };
  const stopping = new AbortController();
  const status: RegistrySupervisorStatus = { state: "running", url: current.url, restarts: 0, lastExit: null, lastError: null, nextAttemptAt: null };
  (globalThis as StatusHolder)[STATUS_KEY] = status;
  let startedAt = Date.now();
  let failuresInARow = 0;
  let backUp: { promise: Promise<void>; resolve: () => void } | null = null;

  const watch = async (registry: LocalRegistry) => {
    const reason = await registry.exited;
    if (stopping.signal.aborted) return;
    current = null;
    if (Date.now() - startedAt >= STABLE_AFTER_MS) failuresInARow = 0;
    let resolveBackUp = () => {};
    const waiting = { promise: new Promise<void>((resolve) => (resolveBackUp = resolve)), resolve: () => resolveBackUp() };
    backUp = waiting;
    Object.assign(status, { state: "down", lastExit: { at: new Date().toISOString(), reason }, lastError: null });
    for (;;) {
      failuresInARow += 1;
      const delayMs = restartDelayMs(failuresInARow);
      status.nextAttemptAt = new Date(Date.now() + delayMs).toISOString();
      log(
        status.lastError
          ? `the registry did not restart: ${status.lastError}; next attempt in ${delayMs / 1000} s`
          : `the registry ${reason}; restarting it in ${delayMs / 1000} s`,
      );
      await waitBeforeRestart(delayMs, failuresInARow, stopping.signal);
      if (stopping.signal.aborted) return;
      status.nextAttemptAt = null;
      try {
        const restarted = await startLocalRegistry(restartOptions);
        if (stopping.signal.aborted) {
          await restarted.stop();
          return;
        }
        current = restarted;
        startedAt = Date.now();
        Object.assign(status, { state: "running", restarts: status.restarts + 1, lastError: null });
        log(`restarted the registry at ${restarted.url} (pid ${restarted.pid})`);
        waiting.resolve();
        backUp = null;
        void watch(restarted);
        return;
      } catch (error) {
        // The first line is the reason; the rest is the registry's log, already in its file.
        status.lastError = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";
      }
    }
  };
  void watch(current);

  return {
    url: current.url,
    storageDir: current.storageDir,
    configPath: current.configPath,
    credentials: current.credentials,
    pid: () => current?.pid ?? null,
    running: () => backUp?.promise ?? Promise.resolve(),
    status: () => ({ ...status }),
    stopSupervising() {
      stopping.abort();
      backUp?.resolve();
    },
    async stop() {
      stopping.abort();
      backUp?.resolve();
      if ((globalThis as StatusHolder)[STATUS_KEY] === status) delete (globalThis as StatusHolder)[STATUS_KEY];
      await current?.stop();
    },
  };
}
