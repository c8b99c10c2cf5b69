import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real OpenID Connect provider for the tests (panva's certified `oidc-provider`), on a free
 * loopback port: discovery, the authorization code flow with PKCE, ID tokens signed with a key made
 * here, userinfo, and its development login and consent pages, which a browser completes ("Enter any
 * login": the login names the account). One confidential client matches what Wharf is configured
 * with. Self-contained (no `@/` imports): vitest and the Playwright specs both start it.
 */

export type TestOidcAccount = {
  /** The subject; also what is typed at the login page. */
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  groups?: string[];
};

export type TestOidcProvider = {
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  /** Adds or replaces an account (its claims), for the next sign-in. */
  setAccount(account: TestOidcAccount): void;
  /** Ends every session at the provider, as an expired or signed-out IdP session: the next authorization asks for the login again. */
  endSessions(): void;
  /** How many sessions the provider holds. */
  sessionCount(): number;
  close(): Promise<void>;
};

type Payload = Record<string, unknown> & { uid?: string; userCode?: string; grantId?: string; consumed?: number };

/** oidc-provider's storage: an in-memory map the test can look into (sessions), with expiries. */
function memoryAdapter(store: Map<string, { payload: Payload; expiresAt: number | null }>) {
  return class MemoryAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    private get(key: string): Payload | undefined {
      const hit = store.get(key);
      if (!hit) return undefined;
      if (hit.expiresAt !== null && hit.expiresAt <= Date.now()) {
        store.delete(key);
        return undefined;
      }
      return hit.payload;
    }
    async upsert(id: string, payload: Payload, expiresIn?: number) {
      store.set(this.key(id), { payload, expiresAt: typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : null });
    }
    async find(id: string) {
      return this.get(this.key(id));
    }
    async findByUid(uid: string) {
      for (const [key] of store) {
        if (!key.startsWith(`${this.model}:`)) continue;
        const payload = this.get(key);
        if (payload?.uid === uid) return payload;
      }
      return undefined;
    }
    async findByUserCode(userCode: string) {
      for (const [key] of store) {
        if (!key.startsWith(`${this.model}:`)) continue;
        const payload = this.get(key);
        if (payload?.userCode === userCode) return payload;
      }
      return undefined;
    }
    async consume(id: string) {
      const payload = this.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, { payload }] of store) if (payload.grantId === grantId) store.delete(key);
    }
  };
}

type ProviderInstance = { callback(): http.RequestListener; proxy: boolean };
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

/**
 * Starts the provider. `redirectUris` are Wharf's callbacks (http://127.0.0.1:<port>/api/auth/callback/oidc).
 */
export async function startTestOidcProvider({ redirectUris, accounts = [] }: { redirectUris: string[]; accounts?: TestOidcAccount[] }): Promise<TestOidcProvider> {
  // A specifier TypeScript does not resolve: the package ships no types, and this file uses a few calls.
  const specifier = "oidc-provider";
  const { default: Provider } = (await import(specifier)) as { default: ProviderClass };

  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const accountsById = new Map<string, TestOidcAccount>(accounts.map((a) => [a.sub, a]));
  const store = new Map<string, { payload: Payload; expiresAt: number | null }>();
  const clientId = `wharf-${randomBytes(4).toString("hex")}`;
  const clientSecret = randomBytes(24).toString("base64url");
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(store),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    async findAccount(_ctx: unknown, id: string) {
      // The development login accepts any name: one the test did not set up is an account with
      // just a username (as a directory-backed provider would have).
      const account = accountsById.get(id) ?? { sub: id, preferred_username: id };
      return {
        accountId: id,
        async claims() {
          return { ...account, sub: id, email_verified: account.email ? true : undefined };
        },
      };
    },
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
      groups: ["groups"],
    },
    jwks: { keys: [{ ...signingKey, kid: "test-key", use: "sig", alg: "RS256" }] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
  });
  handler = provider.callback();

  return {
    issuer,
    port,
    clientId,
    clientSecret,
    setAccount(account) {
      accountsById.set(account.sub, account);
    },
    endSessions() {
      for (const key of [...store.keys()]) if (key.startsWith("Session:")) store.delete(key);
    },
    sessionCount() {
      return [...store.keys()].filter((k) => k.startsWith("Session:")).length;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
