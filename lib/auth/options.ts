import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { NO_CLIENT } from "@/lib/auth/actor";
import { authRequestClient } from "@/lib/auth/client-info";
import { getServerEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { recordSignOut } from "@/lib/services/auth/record-sign-out";
import { signInWithPassword } from "@/lib/services/auth/sign-in";
import { ZSignIn } from "@/lib/validation/users";

/** Console sessions last a working day; every request still re-checks the user in Postgres. */
const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export function getAuthOptions(): NextAuthOptions {
  return {
    secret: getServerEnv().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Wharf account",
        credentials: {
          username: { label: "Username", type: "text" },
          password: { label: "Password", type: "password" },
        },
        async authorize(raw) {
          const parsed = ZSignIn.safeParse(raw ?? {});
          if (!parsed.success) throw new Error("Enter your username and password.");
          try {
            const user = await signInWithPassword({
              ...parsed.data,
              client: authRequestClient.getStore() ?? NO_CLIENT,
            });
            return { id: String(user.id), name: user.username, sessionVersion: user.sessionVersion };
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
      jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.sv = user.sessionVersion;
        }
        return token;
      },
      session({ session, token }) {
        if (token.uid !== undefined && token.sv !== undefined) {
          session.user = { id: String(token.uid), name: token.name ?? "", sessionVersion: token.sv };
        }
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.uid === "number") {
          await recordSignOut({ userId: token.uid, client: authRequestClient.getStore() ?? NO_CLIENT });
        }
      },
    },
  };
}
