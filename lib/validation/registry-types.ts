/**
 * Registry endpoint types and credential types, apart from the schemas in registries.ts so that
 * client components can import them without node:crypto (which the CA certificate check uses).
 */

/** The adapters Wharf offers, as Harbor names them (`GET /replication/adapters`). */
export const REGISTRY_TYPES = ["docker-hub", "docker-registry", "harbor", "wharf"] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

export const REGISTRY_TYPE_LABELS: Record<RegistryType, string> = {
  "docker-hub": "Docker Hub",
  "docker-registry": "Docker Registry (Distribution, other OCI registries)",
  harbor: "Harbor",
  wharf: "Wharf",
};

/** Basic: a username and password (sent as Basic, or to the token realm the registry's challenge names). */
export const CREDENTIAL_TYPES = ["basic", "none"] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
