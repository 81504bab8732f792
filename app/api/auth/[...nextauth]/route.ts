import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { refuseCrossSite } from "@/lib/auth/guarded";

type Context = { params: Promise<{ nextauth: string[] }> };

// next-auth's own endpoints (sign-in, sign-out, session, CSRF). The handler is built per request
// so that configuration is read when the route first runs, not at build time.
function handler(request: Request, context: Context) {
  return NextAuth(authOptions({ checkSessionOnRenewal: true }))(request, context);
}

/** Sign-in and sign-out change state: besides next-auth's CSRF token, they must come from our pages. */
async function post(request: Request, context: Context) {
  return refuseCrossSite(request.headers) ?? handler(request, context);
}

export { handler as GET, post as POST };
