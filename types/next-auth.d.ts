import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** The user's id, session version and sign-in time (ms); the rest is re-read per request. */
    uid: string;
    sv: number;
    loginAt: number;
  }
  interface User {
    sessionVersion: number;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    sv?: number;
    loginAt?: number;
  }
}
