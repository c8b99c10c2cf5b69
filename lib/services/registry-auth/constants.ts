/**
 * Names the token service and the /v2 gateway agree on. Clients read `service` from the
 * WWW-Authenticate challenge and send it back to the token service; the JWT carries it as `aud`.
 */
export const REGISTRY_SERVICE = "wharf-registry";
export const TOKEN_ISSUER = "wharf-token-issuer";

/**
 * Short-lived on purpose. The gateway does not trust a token alone until then: it also checks the
 * subject's current grant on every repository request (current-grant.ts), so a revocation holds at
 * the next request.
 */
export const TOKEN_TTL_SECONDS = 300;

/** Distribution's and Harbor's clock leeway for exp/nbf. */
export const TOKEN_LEEWAY_SECONDS = 60;

/** The token endpoint's path; the realm is `<externalUrl>` + this. */
export const TOKEN_PATH = "/service/token";
