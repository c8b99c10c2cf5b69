import { forwardAuditEventsOnce, newGapTracker, readForwardingSettings, recordForwardingError } from "@/lib/services/audit/forward-audit-events";
import { TcpSyslogSender } from "@/lib/syslog/tcp-syslog";

/**
 * The audit log's syslog forwarder, a loop in the job worker's process (started and stopped with
 * it). Every poll it re-reads the settings (so a change in the console applies within a poll),
 * sends the rows after the cursor, and polls again at once while it is behind. When the endpoint
 * is down it records the error for the policy page and retries with doubling backoff; the
 * cursor has not moved, so the rows it missed go out when the receiver is back.
 *
 * Every worker process runs this loop; a lease in the forwarder's state row lets one of them
 * send at a time (the others stand by and take over within 30 s when it stops), and the cursor's
 * compare-and-set keeps it moving forward only.
 */
export type AuditForwarder = { stop(): Promise<void> };

export function startAuditForwarder({
  pollMs = 1500,
  minBackoffMs = 1000,
  maxBackoffMs = 60_000,
  log = (line: string) => console.log(`wharf: ${line}`),
}: { pollMs?: number; minBackoffMs?: number; maxBackoffMs?: number; log?: (line: string) => void } = {}): AuditForwarder {
  let stopped = false;
  let wake: (() => void) | undefined;
  let sender: TcpSyslogSender | undefined;
  let backoff = 0;
  let lastError: string | undefined;
  const gap = newGapTracker();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    while (!stopped) {
      let delay = pollMs;
      try {
        const settings = await readForwardingSettings();
        if (!settings.enabled || !settings.host || !settings.port) {
          sender?.close();
          sender = undefined;
        } else {
          if (!sender || sender.host !== settings.host || sender.port !== settings.port) {
            sender?.close();
            sender = new TcpSyslogSender(settings.host, settings.port);
          }
          const target = sender;
          const outcome = await forwardAuditEventsOnce({ send: (frames) => target.send(frames), gap });
          if (lastError !== undefined) log(`audit forwarding: ${settings.host}:${settings.port} reachable again`);
          lastError = undefined;
          backoff = 0;
          if (outcome.full) delay = 0;
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        sender?.close();
        backoff = Math.min(maxBackoffMs, backoff ? backoff * 2 : minBackoffMs);
        delay = backoff;
        // Logged once per distinct error, not on every retry.
        if (message !== lastError) log(`audit forwarding failed (retrying with backoff): ${message}`);
        lastError = message;
        await recordForwardingError(message).catch(() => undefined);
      }
      if (!stopped && delay > 0) await sleep(delay);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      sender?.close();
    },
  };
}
