import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Attribute, Change, Client } from "ldapts";
import { createServer } from "node:net";

/**
 * A real OpenLDAP server (Debian's `slapd`) for tests: a generated slapd.conf in a temp dir with
 * the core, cosine, inetorgperson and nis schemas, one mdb database under `dc=wharf,dc=test`, the
 * memberof overlay (so `memberOf` is filled in for groupOfNames members), listening on a free
 * loopback port. Users (inetOrgPerson, SSHA passwords) and groups (groupOfNames) are added over
 * LDAP as the root DN after start. `stop()` kills it and removes the directory.
 */
export const SLAPD_SUFFIX = "dc=wharf,dc=test";
export const SLAPD_ROOT_DN = `cn=admin,${SLAPD_SUFFIX}`;
export const SLAPD_PEOPLE = `ou=people,${SLAPD_SUFFIX}`;
export const SLAPD_GROUPS = `ou=groups,${SLAPD_SUFFIX}`;

export type SlapdUser = { uid: string; password: string; cn?: string; mail?: string };

export type Slapd = {
  url: string;
  /** With `{ tls: true }`: the ldaps:// address (a self-signed certificate for 127.0.0.1; ldap:// then also takes StartTLS). */
  ldapsUrl: string | null;
  port: number;
  rootDn: string;
  rootPassword: string;
  userDn(uid: string): string;
  groupDn(cn: string): string;
  addUser(user: SlapdUser): Promise<string>;
  addGroup(cn: string, memberUids: string[]): Promise<string>;
  addMember(groupCn: string, uid: string): Promise<void>;
  removeMember(groupCn: string, uid: string): Promise<void>;
  /** Stops the server, keeping its data (start() brings it back on the same port). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
};

const SCHEMA_DIR = "/etc/ldap/schema";
const SLAPD_BINARY = ["/usr/sbin/slapd", "/usr/local/sbin/slapd"].find((p) => existsSync(p)) ?? "slapd";

/** A free loopback port (relative imports only: Playwright specs load this file too). */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `{SSHA}` as slappasswd makes it: base64(sha1(password + salt) + salt). */
export function sshaPassword(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash("sha1").update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

/**
 * `tls`: a self-signed certificate for 127.0.0.1 made with openssl in the temp dir; slapd then
 * listens on an ldaps:// port as well, and its ldap:// port takes StartTLS.
 */
export async function startSlapd({ tls = false }: { tls?: boolean } = {}): Promise<Slapd> {
  if (!existsSync(path.join(SCHEMA_DIR, "core.schema"))) {
    throw new Error("slapd is not installed: run `DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils` (lib/runtime/setup-system.sh does).");
  }
  const dir = mkdtempSync(path.join(tmpdir(), "wharf-slapd-"));
  mkdirSync(path.join(dir, "db"));
  const port = await findFreePort();
  const tlsPort = tls ? await findFreePort() : null;
  if (tls) {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
    ], { stdio: "ignore" }); // prettier-ignore
  }
  const rootPassword = randomBytes(12).toString("base64url");
  const conf = [
    ...["core", "cosine", "inetorgperson", "nis"].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    "modulepath /usr/lib/ldap",
    "moduleload back_mdb",
    "moduleload memberof",
    ...(tls ? [`TLSCertificateFile ${dir}/cert.pem`, `TLSCertificateKeyFile ${dir}/key.pem`] : []),
    "database mdb",
    `suffix "${SLAPD_SUFFIX}"`,
    `rootdn "${SLAPD_ROOT_DN}"`,
    `rootpw ${sshaPassword(rootPassword)}`,
    `directory ${dir}/db`,
    "maxsize 10485760",
    "overlay memberof",
    "access to attrs=userPassword by anonymous auth by * none",
    "access to * by * read",
    "",
  ].join("\n");
  writeFileSync(path.join(dir, "slapd.conf"), conf);
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = tlsPort === null ? null : `ldaps://127.0.0.1:${tlsPort}`;

  let child: ChildProcess | null = null;
  const launch = async () => {
    const proc = spawn(SLAPD_BINARY, ["-f", path.join(dir, "slapd.conf"), "-h", ldapsUrl ? `${url}/ ${ldapsUrl}/` : `${url}/`, "-d", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`slapd exited (${proc.exitCode}): ${stderr}`);
      try {
        await asRoot(async () => undefined);
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`slapd did not answer on ${url}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const kill = async () => {
    const proc = child as ChildProcess | null;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  async function asRoot<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ url, connectTimeout: 2_000, timeout: 5_000 });
    try {
      await client.bind(SLAPD_ROOT_DN, rootPassword);
      return await fn(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  try {
    await launch();
    await asRoot(async (c) => {
      await c.add(SLAPD_SUFFIX, { objectClass: ["top", "dcObject", "organization"], dc: "wharf", o: "Wharf tests" });
      await c.add(SLAPD_PEOPLE, { objectClass: ["top", "organizationalUnit"], ou: "people" });
      await c.add(SLAPD_GROUPS, { objectClass: ["top", "organizationalUnit"], ou: "groups" });
    });
  } catch (err) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const userDn = (uid: string) => `uid=${uid},${SLAPD_PEOPLE}`;
  const groupDn = (cn: string) => `cn=${cn},${SLAPD_GROUPS}`;
  return {
    url,
    ldapsUrl,
    port,
    rootDn: SLAPD_ROOT_DN,
    rootPassword,
    userDn,
    groupDn,
    async addUser({ uid, password, cn, mail }) {
      const dn = userDn(uid);
      await asRoot((c) =>
        c.add(dn, {
          objectClass: ["top", "person", "organizationalPerson", "inetOrgPerson"],
          uid,
          cn: cn ?? uid,
          sn: uid,
          ...(mail ? { mail } : {}),
          userPassword: sshaPassword(password),
        }),
      );
      return dn;
    },
    async addGroup(cn, memberUids) {
      const dn = groupDn(cn);
      // groupOfNames needs a member: the root DN is always one, so every user can be removed.
      await asRoot((c) => c.add(dn, { objectClass: ["top", "groupOfNames"], cn, member: [SLAPD_ROOT_DN, ...memberUids.map(userDn)] }));
      return dn;
    },
    async addMember(groupCn, uid) {
      await asRoot((c) => c.modify(groupDn(groupCn), new Change({ operation: "add", modification: new Attribute({ type: "member", values: [userDn(uid)] }) })));
    },
    async removeMember(groupCn, uid) {
      await asRoot((c) => c.modify(groupDn(groupCn), new Change({ operation: "delete", modification: new Attribute({ type: "member", values: [userDn(uid)] }) })));
    },
    pause: kill,
    resume: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
