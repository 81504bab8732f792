import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** The user's id, the server-side session's id (UserSession) and the sign-in time (ms); the rest is re-read per request. */
    uid: string;
    sid: string;
    loginAt: number;
  }
  interface User {
    sessionId: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    sid?: string;
    loginAt?: number;
  }
}
