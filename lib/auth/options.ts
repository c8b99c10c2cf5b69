import http from "node:http";
import https from "node:https";
import type { NextAuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { TokenSet } from "openid-client";
import { NO_CLIENT } from "@/lib/auth/actor";
import { authRequestClient } from "@/lib/auth/client-info";
import { getServerEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { endSession, SESSION_MAX_AGE_SECONDS } from "@/lib/services/auth/sessions";
import { signInWithPassword } from "@/lib/services/auth/sign-in";
import { ExternalSignInRefused } from "@/lib/services/identity/external-users";
import { discoveryUrlOf, oidcHttpsAgent } from "@/lib/services/identity/oidc/discovery";
import { type OidcSignInConfig, readOidcSignInConfig } from "@/lib/services/identity/oidc/settings";
import { oidcRefusalCode, signInWithOidcClaims } from "@/lib/services/identity/oidc/sign-in";
import { ZSignIn } from "@/lib/validation/users";

/** The OIDC provider's next-auth id: its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

/**
 * next-auth's options for reading a session (getServerSession) and for the auth route: the
 * credentials provider (local accounts, in every auth mode) and the callbacks that carry Wharf's
 * session (uid/sv/sid) in the JWT. The auth route uses {@link getAuthOptionsForRequest}, which adds
 * the OIDC provider while OIDC sign-in is on.
 */
export function getAuthOptions(): NextAuthOptions {
  return {
    secret: getServerEnv().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    // Errors of the OAuth flow (and refusals thrown in signIn) come back to the sign-in page as ?error=<code>.
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Wharf account",
        credentials: {
          username: { label: "Username", type: "text" },
          password: { label: "Password", type: "password" },
          otp: { label: "Two-factor code", type: "text" },
        },
        async authorize(raw) {
          const parsed = ZSignIn.safeParse(raw ?? {});
          if (!parsed.success) throw new Error("Enter your username and password.");
          try {
            const user = await signInWithPassword({
              ...parsed.data,
              client: authRequestClient.getStore() ?? NO_CLIENT,
            });
            return { id: String(user.id), name: user.username, sessionVersion: user.sessionVersion, sessionId: user.sessionId };
          } catch (err) {
            // next-auth hands the message of a thrown Error to the sign-in form as `error`.
            if (err instanceof AppError) throw new Error(err.message);
            console.error("wharf: sign-in failed unexpectedly", err);
            throw new Error("Sign-in is unavailable right now. Try again shortly.");
          }
        },
      }),
    ],
    callbacks: {
      /**
       * The OIDC provider's verified claims become a Wharf sign-in here: the account provisioned or
       * linked, groups and the admin flag synced, the session opened and audited. The `user` next-auth
       * passes on to `jwt` then carries the Wharf session, as the credentials provider's does. A
       * refusal (audited by the service) goes to the sign-in page as a code it explains.
       */
      async signIn({ user, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        const client = authRequestClient.getStore() ?? NO_CLIENT;
        try {
          const config = await readOidcSignInConfig();
          if (!config) throw new Error("OIDC sign-in was switched off during the sign-in");
          const session = await signInWithOidcClaims({ claims: (profile ?? {}) as Record<string, unknown>, config, client });
          Object.assign(user, { id: String(session.id), name: session.username, email: null, sessionVersion: session.sessionVersion, sessionId: session.sessionId });
          return true;
        } catch (err) {
          if (!(err instanceof ExternalSignInRefused)) console.error("wharf: OIDC sign-in failed unexpectedly", err);
          // next-auth redirects to pages.error with the thrown message as `error`.
          throw new Error(oidcRefusalCode(err));
        }
      },
      jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.sv = user.sessionVersion;
          token.sid = user.sessionId;
        }
        return token;
      },
      session({ session, token }) {
        if (token.uid !== undefined && token.sv !== undefined && token.sid !== undefined) {
          session.user = { id: String(token.uid), name: token.name ?? "", sessionVersion: token.sv, sessionId: token.sid };
        }
        return session;
      },
    },
    events: {
      // Ends this session server-side: the cookie stops working even where a copy of it was kept.
      async signOut({ token }) {
        if (typeof token?.uid === "number") {
          await endSession({
            userId: token.uid,
            sessionId: typeof token.sid === "string" ? token.sid : undefined,
            client: authRequestClient.getStore() ?? NO_CLIENT,
          });
        }
      },
    },
  };
}

/**
 * The auth route's options for one request: {@link getAuthOptions} plus, in the OIDC auth mode with
 * a complete configuration, the OIDC provider built from the stored settings (read through a short
 * cache, lib/services/identity/oidc/settings.ts; `fresh` skips it, for the OIDC flow's own requests).
 */
export async function getAuthOptionsForRequest({ fresh = false }: { fresh?: boolean } = {}): Promise<NextAuthOptions> {
  const options = getAuthOptions();
  const oidc = await readOidcSignInConfig({ fresh });
  return oidc ? { ...options, providers: [...options.providers, oidcProvider(oidc)] } : options;
}

type Claims = Record<string, unknown> & { sub?: string };

/**
 * An OpenID Connect provider by discovery, authorization code flow with PKCE and state, the ID
 * token verified by openid-client; the profile is the ID token's claims with the userinfo answer
 * (groups are often only there), the issuer and subject always the ID token's.
 */
function oidcProvider(config: OidcSignInConfig): OAuthConfig<Claims> {
  const https_ = new URL(config.issuer).protocol === "https:";
  return {
    id: OIDC_PROVIDER_ID,
    name: config.providerName,
    type: "oauth",
    wellKnown: discoveryUrlOf(config.issuer),
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authorization: { params: { scope: config.scopes } },
    idToken: true,
    checks: ["pkce", "state"],
    // openid-client keeps these as process-wide defaults, so the agent is always named: a switch
    // turned back on must not leave the unverifying agent behind.
    httpOptions: { timeout: 10_000, agent: https_ ? (oidcHttpsAgent(config.verifyCertificate) ?? https.globalAgent) : http.globalAgent },
    userinfo: {
      async request({ tokens: params, client }) {
        // next-auth hands over the TokenSet openid-client verified (typed as its parameters).
        const tokens = params as TokenSet;
        const idClaims = tokens.claims() as Claims;
        const info = client.issuer.metadata.userinfo_endpoint && tokens.access_token ? ((await client.userinfo(tokens)) as Claims) : {};
        return { ...idClaims, ...info, iss: idClaims.iss, sub: idClaims.sub };
      },
    },
    profile(claims): User {
      // Replaced in the signIn callback by the Wharf account this identity signs in as.
      return { id: String(claims.sub), name: null, email: null, sessionVersion: -1, sessionId: "" };
    },
  };
}
