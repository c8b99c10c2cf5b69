import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface User {
    id: string;
    sessionVersion: number;
    sessionId: string;
  }
  interface Session {
    user: { id: string; name: string; sessionVersion: number; sessionId: string };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: number;
    /** The user's session version when signed in; a later reset or disable makes it stale. */
    sv?: number;
    /** The console session (user_sessions row) this cookie belongs to; signing out deletes it. */
    sid?: string;
  }
}
