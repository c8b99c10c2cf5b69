import { execFile } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const { REGISTRY_PORT, FRONT_PORT } = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryAndFrontPorts("registry-auth-tests-secret-key-0123456789")));

import { kubernetesPullSecret, pullSecretName, registryHostOf, shellQuote } from "@/lib/robots/kubernetes-pull-secret";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { createProjectRobot, refreshRobotSecret } from "@/lib/services/robots/robots";
import { TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "pull-secret" });

let front: WharfServer;
beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
});
afterAll(async () => {
  await front?.close();
});

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000, env: env ?? process.env }, (error, stdout, stderr) =>
      error ? reject(new Error(String(stderr).trim() || `${file} failed`)) : resolve(String(stdout)),
    );
  });
}

/** The YAML's one data value, decoded (the Secret is written by us, so a line split is enough). */
function dockerConfigFromYaml(yaml: string): unknown {
  const line = yaml.split("\n").find((l) => l.startsWith("  .dockerconfigjson: "));
  return JSON.parse(Buffer.from(line!.slice("  .dockerconfigjson: ".length), "base64").toString("utf8"));
}

describe("a robot's Kubernetes pull secret", () => {
  it("names the Secret as Kubernetes requires and quotes every shell word", () => {
    expect(pullSecretName("robot$team-alpha+ci")).toBe("team-alpha-ci-pull");
    expect(pullSecretName("robot$Team_X+Build.Bot")).toBe("team-x-build.bot-pull");
    expect(pullSecretName(`robot$${"a".repeat(300)}`)).toMatch(/^a{240}-pull$/);
    for (const name of ["robot$team-alpha+ci", "robot$Team_X+Build.Bot", "robot$--+--"]) {
      expect(pullSecretName(name)).toMatch(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/);
    }
    expect(shellQuote("registry.example.com:5000")).toBe("registry.example.com:5000");
    expect(shellQuote("robot$team+ci")).toBe("'robot$team+ci'");
    expect(registryHostOf("https://registry.example.com:8443/")).toBe("registry.example.com:8443");
  });

  it("pulls with skopeo through Wharf using the Secret's dockerconfigjson, and kubectl gets the exact values", async () => {
    const { project, maintainer } = await harness.setup();
    const owner = actorFor({ id: maintainer.id, username: maintainer.username, isAdmin: true });
    const { robot } = await createProjectRobot({
      actor: owner,
      input: { projectId: project.id, name: "k8s", description: "", durationDays: -1, permissions: ["repository:pull"] },
    });
    // A chosen secret with every character a shell treats specially.
    const { secret } = await refreshRobotSecret({ actor: owner, robotId: robot.id, secret: `It's $HOME "x" \`y\` 9z!` });

    const image = await writeOciImageLayout(path.join(harness.tmp, "image"), { tag: "1.0" });
    const registry = registryHostOf(EXTERNAL);
    await skopeoCopy(image.ref, `docker://${registry}/${project.name}/app:1.0`, { destCreds: `${maintainer.username}:${TEST_PASSWORD}` });

    const pullSecret = kubernetesPullSecret({ registry, robotName: robot.name, secret });
    expect(dockerConfigFromYaml(pullSecret.yaml)).toEqual(JSON.parse(pullSecret.dockerConfigJson));
    expect(pullSecret.yaml).toContain("type: kubernetes.io/dockerconfigjson");

    // skopeo reads the same auth file format as kubelet and docker (auths → host → auth).
    const authfile = path.join(harness.tmp, "auth.json");
    await writeFile(authfile, pullSecret.dockerConfigJson);
    const inspected = JSON.parse(await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "--authfile", authfile, `docker://${registry}/${project.name}/app:1.0`]));
    expect(inspected.schemaVersion).toBe(2);
    // A wrong password in the same file is refused: the file, not an anonymous pull, let it in.
    const wrong = JSON.parse(kubernetesPullSecret({ registry, robotName: robot.name, secret: `${secret}x` }).dockerConfigJson);
    await writeFile(authfile, JSON.stringify(wrong));
    await expect(run("skopeo", ["inspect", "--raw", "--tls-verify=false", "--authfile", authfile, `docker://${registry}/${project.name}/app:1.0`])).rejects.toThrow();

    // The kubectl line, run by sh with a kubectl that prints the arguments it was given.
    const bin = path.join(harness.tmp, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, "kubectl"), `#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)));\n`);
    await chmod(path.join(bin, "kubectl"), 0o755);
    const argv = JSON.parse(await run("sh", ["-c", pullSecret.kubectl], { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: "/nowhere" }));
    expect(argv).toEqual([
      "create",
      "secret",
      "docker-registry",
      pullSecret.secretName,
      `--docker-server=${registry}`,
      `--docker-username=${robot.name}`,
      `--docker-password=${secret}`,
    ]);
  }, 120_000);
});
