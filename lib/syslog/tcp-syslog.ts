import net from "node:net";

/**
 * Syslog over TCP for the audit log's forwarding: RFC 5424 messages in RFC 6587 octet-counting
 * framing (`<length> <message>`), which, unlike newline framing, survives messages that contain
 * newlines. Only sockets and text here; what is sent, and when, is lib/services/audit.
 */

/** RFC 5424 facility 13, "log audit". */
const FACILITY_LOG_AUDIT = 13;
export const SEVERITY = { notice: 5, informational: 6 } as const;

export type SyslogMessage = {
  timestamp: Date;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  severity: number;
  /** SD-ID and its parameters, e.g. `audit@32473` with `{ id: "12" }`. */
  structuredData?: { id: string; params: Record<string, string> };
  message: string;
};

/** PRINTUSASCII without spaces, at most `max` characters; `-` (NILVALUE) when empty. */
function header(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, "").slice(0, max);
  return clean || "-";
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]`. */
function paramValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

export function formatRfc5424(m: SyslogMessage): string {
  const pri = FACILITY_LOG_AUDIT * 8 + m.severity;
  const sd = m.structuredData
    ? `[${header(m.structuredData.id, 32)}${Object.entries(m.structuredData.params)
        .map(([k, v]) => ` ${header(k, 32)}="${paramValue(v)}"`)
        .join("")}]`
    : "-";
  return `<${pri}>1 ${m.timestamp.toISOString()} ${header(m.hostname, 255)} ${header(m.appName, 48)} ${header(m.procId, 128)} ${header(m.msgId, 32)} ${sd} ${m.message}`;
}

/** RFC 6587 §3.4.1: the message's length in octets, a space, the message. */
export function frameOctetCounted(message: string): string {
  return `${Buffer.byteLength(message, "utf8")} ${message}`;
}

/**
 * One TCP connection to a syslog receiver, opened on the first send and again after it breaks.
 * `send` resolves once the bytes are handed to the kernel, which is as much as syslog over TCP
 * can confirm (it has no acknowledgements): a receiver that dies with data in flight loses it.
 * A connection the peer has closed is noticed (its `end`) and not written to again.
 */
export class TcpSyslogSender {
  private socket: net.Socket | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly connectTimeoutMs = 5000,
  ) {}

  async send(frames: string[]): Promise<void> {
    if (frames.length === 0) return;
    const socket = this.socket && !this.socket.destroyed && this.socket.writable ? this.socket : await this.connect();
    await new Promise<void>((resolve, reject) => {
      socket.write(frames.join(""), "utf8", (error) => {
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve();
      });
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): Promise<net.Socket> {
    this.close();
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: this.host, port: this.port });
      const timer = setTimeout(() => socket.destroy(new Error(`connecting to ${this.host}:${this.port} timed out`)), this.connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        this.socket = socket;
        resolve(socket);
      });
      // Before connect an error rejects; after it, it only ends this connection (the next send reconnects).
      socket.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      // The receiver closed its side: stop writing into a connection nobody reads.
      socket.on("end", () => socket.destroy());
      socket.on("close", () => {
        if (this.socket === socket) this.socket = undefined;
      });
      // Receivers send nothing; reading keeps the socket flowing so that `end` is seen.
      socket.resume();
    });
  }
}
