import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { NO_CLIENT } from "@/lib/auth/actor";
import { authRequestClient } from "@/lib/auth/client-info";
import { getServerEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { endSession, SESSION_MAX_AGE_SECONDS } from "@/lib/services/auth/sessions";
import { signInWithPassword } from "@/lib/services/auth/sign-in";
import { ZSignIn } from "@/lib/validation/users";

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
