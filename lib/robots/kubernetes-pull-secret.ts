/**
 * A robot's credentials as a Kubernetes image pull secret (type kubernetes.io/dockerconfigjson):
 * the `kubectl create secret docker-registry` line and the same Secret as YAML. Built in the
 * browser from the create/refresh answer, the one moment the secret is known (Wharf keeps only
 * its hash). No imports: it runs in client components.
 */

export type PullSecretInput = {
  /** The registry host clients use, host[:port] (from WHARF_EXTERNAL_URL). */
  registry: string;
  robotName: string;
  secret: string;
};

export type KubernetesPullSecret = { secretName: string; kubectl: string; yaml: string; dockerConfigJson: string };

/**
 * A Secret name Kubernetes accepts (a DNS-1123 subdomain: lower-case alphanumerics, '-' and '.',
 * starting and ending alphanumeric, at most 253): `robot$team-alpha+ci` → `team-alpha-ci-pull`.
 */
export function pullSecretName(robotName: string): string {
  const base = robotName
    .replace(/^robot\$/, "")
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return `${(base || "wharf").slice(0, 240).replace(/[^a-z0-9]+$/, "")}-pull`;
}

/** One shell word, as POSIX sh reads it: robot names hold `$` and chosen secrets anything. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:/@=+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** Base64 of UTF-8 text, the same in Node and in the browser. */
function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function kubernetesPullSecret({ registry, robotName, secret }: PullSecretInput): KubernetesPullSecret {
  const secretName = pullSecretName(robotName);
  // What docker and kubelet read: auths by registry host, `auth` = base64(username:password).
  const dockerConfigJson = JSON.stringify({ auths: { [registry]: { username: robotName, password: secret, auth: base64(`${robotName}:${secret}`) } } });
  const kubectl = [
    "kubectl create secret docker-registry",
    shellQuote(secretName),
    `--docker-server=${shellQuote(registry)}`,
    `--docker-username=${shellQuote(robotName)}`,
    `--docker-password=${shellQuote(secret)}`,
  ].join(" ");
  const yaml = [
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    `  name: ${secretName}`,
    "type: kubernetes.io/dockerconfigjson",
    "data:",
    `  .dockerconfigjson: ${base64(dockerConfigJson)}`,
    "",
  ].join("\n");
  return { secretName, kubectl, yaml, dockerConfigJson };
}

/** host[:port] of the external URL, as registry clients name the registry. */
export function registryHostOf(externalUrl: string): string {
  return new URL(externalUrl).host;
}
