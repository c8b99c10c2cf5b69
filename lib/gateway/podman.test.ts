import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Ports picked before anything reads the environment: the registry's, and Wharf's front, whose
// address is Wharf's external URL (podman follows the token realm and upload Locations to it).
const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryAndFrontPorts("registry-auth-tests-secret-key-0123456789")));

import { startFront, type WharfServer } from "@/lib/runtime/server";
import { createMember, createProject, createRobot, db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { writeOciImageLayout, type OciImageResult } from "@/lib/testing/oci-layout";

/**
 * Podman (Debian's, 4.3) as a real client through Wharf's front and gateway, with a real
 * Distribution 2.8 behind it: logins, push and pull by tag and digest, the cross-repository
 * mount containers/image tries when its blob info cache knows a blob, a multi-arch
 * `manifest push --all`, and a refused push. setup-system.sh --for-tests installs podman; without
 * it these tests are skipped on a developer's machine, never in CI.
 */
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: `http://${HOST}`, name: "podman" });

const HAVE_PODMAN = (() => {
  try {
    execFileSync("podman", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const IN_CI = process.env.CI === "true";
if (!HAVE_PODMAN && !IN_CI) {
  console.warn("podman.test.ts: skipped, podman is not installed (bash lib/runtime/setup-system.sh --for-tests installs it)");
}

/** What the front answered, request by request: the mount checks read it (podman's own logs are not a contract). */
type Seen = { method: string; url: string; status: number };
const seen: Seen[] = [];

let front: WharfServer;
/** The podman sandbox: its own store, run dir, configs and policy under the file's temp dir. */
let home = "";
let env: NodeJS.ProcessEnv = { NODE_ENV: "test" };

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
  front.server.on("request", (req: { method?: string; url?: string }, res: { statusCode: number; on(event: "finish", listener: () => void): void }) => {
    res.on("finish", () => seen.push({ method: req.method ?? "", url: req.url ?? "", status: res.statusCode }));
  });
  // Lower case only: podman names an image pulled from an OCI layout after the layout's path,
  // and an image name must be lower case (mkdtemp's suffix is not).
  home = path.join(tmpdir(), `wharf-podman-${randomBytes(6).toString("hex")}`);
  await mkdir(path.join(home, "tmp"), { recursive: true });
  // Podman's config, store and credentials stay here, so nothing of the machine's container config
  // changes a result: vfs (no overlay or fuse in a container), cgroupfs and a file events log (no
  // systemd), no search registries. One thing podman 4.3 offers no setting for: as root it keeps
  // its blob info cache (where it has seen each blob) in /var/lib/containers/cache, shared with
  // skopeo. Its entries are per registry host:port, and these registries live only for this file,
  // so an old entry can at most cost a HEAD that answers 404; the mount test reads what this run added.
  await writeFile(
    path.join(home, "containers.conf"),
    `[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "${home}/events.log"\nimage_copy_tmp_dir = "${home}/tmp"\n`,
  );
  await writeFile(path.join(home, "storage.conf"), `[storage]\ndriver = "vfs"\ngraphroot = "${home}/storage"\nrunroot = "${home}/run"\n`);
  await writeFile(path.join(home, "registries.conf"), `unqualified-search-registries = []\nshort-name-mode = "disabled"\n`);
  // Test images are unsigned: accept anything, without depending on the host's /etc/containers/policy.json.
  await writeFile(path.join(home, "policy.json"), JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  // Calls without a login read this empty one (podman fails on a named auth file that is missing).
  await writeFile(path.join(home, "auth-none.json"), JSON.stringify({ auths: {} }), { mode: 0o600 });
  env = {
    NODE_ENV: process.env.NODE_ENV,
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: path.join(home, "tmp"),
    CONTAINERS_CONF: path.join(home, "containers.conf"),
    CONTAINERS_STORAGE_CONF: path.join(home, "storage.conf"),
    CONTAINERS_REGISTRIES_CONF: path.join(home, "registries.conf"),
    // Overridden per identity below; this one stays empty.
    REGISTRY_AUTH_FILE: path.join(home, "auth-none.json"),
  };
}, 60_000);

afterAll(async () => {
  await front?.close();
  // The store holds podman's own state (locks, the events log, read-only layer files): reset it, then remove the tree.
  if (home) await podman(["system", "reset", "--force"]).catch(() => undefined);
  if (home) await rm(home, { recursive: true, force: true });
});

const NOT_INSTALLED = "podman is not installed: bash lib/runtime/setup-system.sh --for-tests installs it";

type PodmanResult = { code: number; stdout: string; stderr: string };

/** Runs podman in the sandbox; never rejects on a non-zero exit (refusals are asserted on). */
function run(args: string[], authFile?: string): Promise<PodmanResult> {
  const global = ["--root", path.join(home, "storage"), "--runroot", path.join(home, "run"), "--storage-driver", "vfs"];
  return new Promise((resolve, reject) => {
    execFile(
      "podman",
      [...global, ...args],
      { env: { ...env, ...(authFile ? { REGISTRY_AUTH_FILE: authFile } : {}) }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(new Error(NOT_INSTALLED));
        }
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs podman and fails with its stderr unless it exits 0. */
async function podman(args: string[], authFile?: string): Promise<string> {
  const result = await run(args, authFile);
  if (result.code !== 0) throw new Error(`podman ${args[0] ?? ""} ${args[1] ?? ""} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

const POLICY = () => ["--signature-policy", path.join(home, "policy.json")];

/** Logs in as `username` into an auth file of its own, which later calls pass along. */
async function login(username: string, password: string): Promise<string> {
  const authFile = path.join(home, `auth-${Math.random().toString(36).slice(2)}.json`);
  // The password on stdin, as a CI script would pass it (not in argv, where `ps` shows it).
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      "podman",
      ["login", "--tls-verify=false", "--authfile", authFile, "--username", username, "--password-stdin", HOST],
      { env, timeout: 30_000 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        reject(new Error((error as NodeJS.ErrnoException).code === "ENOENT" ? NOT_INSTALLED : `podman login ${username}: ${String(stderr).trim()}`));
      },
    );
    child.stdin?.end(password);
  });
  const auths = (JSON.parse(await readFile(authFile, "utf8")) as { auths: Record<string, unknown> }).auths;
  expect(Object.keys(auths)).toEqual([HOST]);
  return authFile;
}

/** An image made in code, in the vfs store as `localhost/<name>:<tag>` (podman pull from an OCI layout). */
async function imageInStore(name: string, options: { architecture?: string; variant?: string; extraBytes?: number } = {}): Promise<OciImageResult> {
  const image = await writeOciImageLayout(path.join(home, `layout-${name}`), { tag: "1.0", ...options });
  await podman(["pull", ...POLICY(), ...(options.architecture ? ["--arch", options.architecture] : []), image.ref]);
  await podman(["tag", image.configDigest.slice("sha256:".length), `localhost/${name}:1.0`]);
  return image;
}

/** Pushes and returns the manifest digest podman wrote (it recompresses layers, so not the layout's). */
async function push(local: string, remote: string, authFile: string): Promise<string> {
  const digestFile = path.join(home, `digest-${Math.random().toString(36).slice(2)}`);
  await podman(["push", ...POLICY(), "--tls-verify=false", "--digestfile", digestFile, local, `${HOST}/${remote}`], authFile);
  return (await readFile(digestFile, "utf8")).trim();
}

async function inspect(ref: string): Promise<{ Id: string; Digest: string; Architecture: string; RepoDigests: string[] }> {
  const [image] = JSON.parse(await podman(["image", "inspect", ref])) as { Id: string; Digest: string; Architecture: string; RepoDigests: string[] }[];
  return image!;
}

/** Removes the image under `ref` with all its names, so that a pull afterwards fetches it again. */
async function removeImage(ref: string): Promise<void> {
  await podman(["rmi", "--force", (await inspect(ref)).Id]);
}

/** The mount a blob upload POST asked for, if any. */
function mountOf(url: string): { digest: string; from: string } | null {
  const query = new URL(url, "http://x").searchParams;
  const digest = query.get("mount");
  const from = query.get("from");
  return digest && from ? { digest, from } : null;
}

/** Digests of the blob uploads that completed (the final PUT carries `digest`). */
function uploadedDigests(requests: Seen[]): string[] {
  return requests
    .filter((r) => r.method === "PUT" && r.url.includes("/blobs/uploads/") && r.status === 201)
    .map((r) => new URL(r.url, "http://x").searchParams.get("digest") ?? "");
}

/** The requests the front answered since `mark` (an index into `seen`) under `/v2/<repository>/`. */
function requestsTo(repository: string, mark: number): Seen[] {
  return seen.slice(mark).filter((r) => r.url.startsWith(`/v2/${repository}/`));
}

describe.skipIf(!HAVE_PODMAN && !IN_CI)("podman through Wharf", () => {
  it("logs in with a password and with a robot secret, pushes, and pulls back by tag and by digest", async () => {
    const { project, maintainer, repository } = await harness.setup();
    const userAuth = await login(maintainer.username, TEST_PASSWORD);
    const image = await imageInStore("hello", { extraBytes: 50_000 });

    const digest = await push("localhost/hello:1.0", `${repository}:1.0`, userAuth);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // What Wharf indexed is what podman pushed, and what the registry holds; the config is the one made in code.
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } }, include: { tags: true } });
    expect(artifact.digest).toBe(digest);
    expect(artifact.tags.map((t) => t.name)).toEqual(["1.0"]);
    expect((await harness.backing.headManifest(repository, "1.0"))?.digest).toBe(digest);
    const pushed = (await harness.backing.getManifest(repository, digest)).json as { config: { digest: string } };
    expect(pushed.config.digest).toBe(image.configDigest);

    // A fresh pull: the local copy goes first, so the layers come from Wharf.
    await removeImage("localhost/hello:1.0");
    await podman(["pull", ...POLICY(), "--tls-verify=false", `${HOST}/${repository}:1.0`], userAuth);
    const byTag = await inspect(`${HOST}/${repository}:1.0`);
    expect(byTag.Digest).toBe(digest);
    expect(byTag.RepoDigests).toEqual([`${HOST}/${repository}@${digest}`]);
    expect(`sha256:${byTag.Id}`).toBe(image.configDigest);
    await removeImage(`${HOST}/${repository}:1.0`);
    await podman(["pull", ...POLICY(), "--tls-verify=false", `${HOST}/${repository}@${digest}`], userAuth);
    expect((await inspect(`${HOST}/${repository}@${digest}`)).Digest).toBe(digest);

    // A robot with push and pull, logged in with its secret, pushes another tag and pulls it.
    const robot = await createRobot(project, ["repository:pull", "repository:push"]);
    const robotAuth = await login(robot.name, robot.secret);
    await podman(["tag", `${HOST}/${repository}@${digest}`, "localhost/hello:robot"]);
    expect(await push("localhost/hello:robot", `${repository}:robot`, robotAuth)).toBe(digest);
    await removeImage("localhost/hello:robot");
    await podman(["pull", ...POLICY(), "--tls-verify=false", `${HOST}/${repository}:robot`], robotAuth);
    expect((await inspect(`${HOST}/${repository}:robot`)).Digest).toBe(digest);
    expect((await db.tag.findMany({ where: { artifactId: artifact.id }, orderBy: { name: "asc" } })).map((t) => t.name)).toEqual(["1.0", "robot"]);

    const rows = async () =>
      (await db.auditEvent.findMany({ where: { projectId: project.id, action: { in: ["artifact.push", "artifact.pull"] } }, orderBy: { id: "asc" } })).map((r) => [
        r.action,
        r.result,
        r.actorName,
        r.resourceName,
      ]);
    // Pull rows may be written after the answer (batched): wait for them.
    await vi.waitFor(async () => {
      expect(await rows()).toEqual(
        expect.arrayContaining([
          ["artifact.push", "success", maintainer.username, `${repository}:1.0`],
          ["artifact.pull", "success", maintainer.username, `${repository}:1.0`],
          ["artifact.pull", "success", maintainer.username, `${repository}@${digest}`],
          ["artifact.push", "success", robot.name, `${repository}:robot`],
          ["artifact.pull", "success", robot.name, `${repository}:robot`],
        ]),
      );
    }, { timeout: 10_000 });
  });

  it("mounts the layers from the repository it pushed them to (201), and uploads them for a caller who may not pull that one", async () => {
    const { project, maintainer, repository: source } = await harness.setup();
    const maintainerAuth = await login(maintainer.username, TEST_PASSWORD);
    const image = await imageInStore("mounted", { extraBytes: 50_000 });
    await push("localhost/mounted:1.0", `${source}:1.0`, maintainerAuth);

    // Podman's blob info cache now knows where the layer is: a push to a second repository of the
    // project asks to mount it from the first instead of uploading it. (containers/image uploads
    // the config blob every time; only layers are reused.)
    const copy = `${project.name}/copy`;
    let mark = seen.length;
    const copied = await push("localhost/mounted:1.0", `${copy}:1.0`, maintainerAuth);
    const toCopy = requestsTo(copy, mark);
    const manifest = (await harness.backing.getManifest(copy, copied)).json as { config: { digest: string }; layers: { digest: string }[] };
    expect(manifest.config.digest).toBe(image.configDigest);
    const layers = manifest.layers.map((l) => l.digest);
    const mounts = toCopy.filter((r) => r.method === "POST" && r.url.includes("mount="));
    expect(mounts.map((r) => [mountOf(r.url), r.status]), JSON.stringify(toCopy)).toEqual(layers.map((d) => [{ digest: d, from: source }, 201]));
    expect(uploadedDigests(toCopy).filter((d) => layers.includes(d))).toEqual([]);
    expect(toCopy.filter((r) => r.method === "PATCH").length).toBeLessThanOrEqual(1); // the config's, if any
    expect((await db.artifact.findFirstOrThrow({ where: { repository: { name: copy } } })).digest).toBe(copied);
    await removeImage("localhost/mounted:1.0");
    await podman(["pull", ...POLICY(), "--tls-verify=false", `${HOST}/${copy}:1.0`], maintainerAuth);
    expect((await inspect(`${HOST}/${copy}:1.0`)).RepoDigests).toContain(`${HOST}/${copy}@${copied}`);

    // A developer of another project, who may not pull the source. Podman's cache knows the layer
    // in the source and the copy; containers/image first asks for it there (a HEAD with pull on
    // that repository added to its token), and mounts only what that shows. Wharf grants no pull
    // there, so the HEAD is refused, nothing is mounted, and podman uploads the layer (POST 202,
    // PUT 201): the push succeeds. (A mount asked for regardless answers 202, an ordinary upload:
    // distribution-spec.test.ts, raw HTTP.)
    const other = await createProject();
    const developer = await createMember(other.id, 2);
    const developerAuth = await login(developer.username, TEST_PASSWORD);
    const target = `${other.name}/app`;
    mark = seen.length;
    await podman(["tag", `${HOST}/${copy}:1.0`, "localhost/mounted:again"]);
    const uploaded = await push("localhost/mounted:again", `${target}:1.0`, developerAuth);
    const probes = [...requestsTo(source, mark), ...requestsTo(copy, mark)];
    expect(probes.length, JSON.stringify(seen.slice(mark))).toBeGreaterThanOrEqual(1);
    expect(probes.every((r) => r.method === "HEAD" && r.status === 401), JSON.stringify(probes)).toBe(true);
    const toTarget = requestsTo(target, mark);
    const mountsAsked = toTarget.filter((r) => r.method === "POST" && mountOf(r.url));
    expect(mountsAsked.filter((r) => r.status !== 202), JSON.stringify(toTarget)).toEqual([]);
    expect(uploadedDigests(toTarget)).toEqual(expect.arrayContaining(layers));
    expect((await db.artifact.findFirstOrThrow({ where: { repository: { name: target } } })).digest).toBe(uploaded);
    await removeImage("localhost/mounted:again");
    await podman(["pull", ...POLICY(), "--tls-verify=false", `${HOST}/${target}:1.0`], developerAuth);
    expect((await inspect(`${HOST}/${target}:1.0`)).Digest).toBe(uploaded);
    // The source project saw nothing of the developer.
    expect(await db.auditEvent.count({ where: { projectId: project.id, actorName: developer.username } })).toBe(0);
  });

  it("pushes a multi-arch list with manifest push --all; Wharf indexes the index and its two children; --arch arm64 pulls the arm64 one", async () => {
    const { project, maintainer, repository } = await harness.setup();
    const auth = await login(maintainer.username, TEST_PASSWORD);
    const amd64 = await writeOciImageLayout(path.join(home, "layout-multi-amd64"), { tag: "1.0", architecture: "amd64" });
    const arm64 = await writeOciImageLayout(path.join(home, "layout-multi-arm64"), { tag: "1.0", architecture: "arm64", variant: "v8" });
    const list = `localhost/multi-${randomBytes(3).toString("hex")}:1.0`;
    await podman(["manifest", "create", list]);
    // Added straight from the OCI layouts: `manifest push --all` copies each instance from there.
    for (const image of [amd64, arm64]) await podman(["manifest", "add", list, image.ref]);
    const digestFile = path.join(home, `digest-${randomBytes(4).toString("hex")}`);
    // `manifest push` has no --signature-policy: it reads the host's policy.json (Debian's accepts anything).
    await podman(["manifest", "push", "--all", "--tls-verify=false", "--digestfile", digestFile, list, `docker://${HOST}/${repository}:1.0`], auth);
    const indexDigest = (await readFile(digestFile, "utf8")).trim();

    const index = await db.artifact.findFirstOrThrow({
      where: { repository: { name: repository }, digest: indexDigest },
      include: { tags: true, children: { orderBy: { position: "asc" }, include: { child: true } } },
    });
    expect(index.tags.map((t) => t.name)).toEqual(["1.0"]);
    expect(index.children.map((r) => [r.os, r.architecture, r.variant ?? null])).toEqual([
      ["linux", "amd64", null],
      ["linux", "arm64", "v8"],
    ]);
    // Each child is indexed as an artifact of its own, the image made in code (its config).
    const children = index.children.map((r) => r.child);
    expect(children.map((c) => c?.architecture)).toEqual(["amd64", "arm64"]);
    const configs = await Promise.all(
      index.children.map(async (r) => ((await harness.backing.getManifest(repository, r.childDigest)).json as { config: { digest: string } }).config.digest),
    );
    expect(configs).toEqual([amd64.configDigest, arm64.configDigest]);
    expect(await db.artifact.count({ where: { repository: { name: repository } } })).toBe(3);

    await podman(["pull", ...POLICY(), "--tls-verify=false", "--arch", "arm64", `${HOST}/${repository}:1.0`], auth);
    const pulled = await inspect(`${HOST}/${repository}:1.0`);
    expect(pulled.Architecture).toBe("arm64");
    expect(`sha256:${pulled.Id}`).toBe(arm64.configDigest);
    const arm64Child = index.children[1]!.childDigest;
    expect(pulled.RepoDigests).toContain(`${HOST}/${repository}@${arm64Child}`);
    await vi.waitFor(async () => {
      const pulls = await db.auditEvent.findMany({ where: { projectId: project.id, action: "artifact.pull" }, select: { resourceName: true } });
      // The index by tag, then the arm64 child by digest.
      expect(pulls.map((p) => p.resourceName)).toEqual(expect.arrayContaining([`${repository}:1.0`, `${repository}@${arm64Child}`]));
    }, { timeout: 10_000 });
  });

  it("refuses a push by a guest: podman exits non-zero saying so, and nothing is indexed or stored", async () => {
    const { project, repository } = await harness.setup();
    const guest = await createMember(project.id, 3);
    const auth = await login(guest.username, TEST_PASSWORD);
    await imageInStore("refused");
    const result = await run(["push", ...POLICY(), "--tls-verify=false", "localhost/refused:1.0", `${HOST}/${repository}:1.0`], auth);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.stderr).toMatch(/unauthorized|denied/i);
    expect(await db.artifact.count({ where: { repository: { name: repository } } })).toBe(0);
    expect(await harness.backing.listTags(repository).catch(() => [])).toEqual([]);
    expect(await db.auditEvent.count({ where: { projectId: project.id, action: "artifact.push", result: "success" } })).toBe(0);
  });
});
