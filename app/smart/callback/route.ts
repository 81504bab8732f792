import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db/client";
import { FRAME_COOKIE, signFrameAncestor } from "@/lib/http/frame-ancestor";
import { finishLaunch, SmartRefusal } from "@/lib/smart/launch";
import { frameCookieAttributes, LAUNCH_COOKIE, launchCookieAttributes, readCookie, redirectUriFor, refusalPage } from "@/lib/smart/routes";

/**
 * The app's redirect URI: the EHR sends the browser back here with the code. The launch is
 * completed (lib/smart/launch.ts) — the user identified, the patient's record read and imported —
 * and the browser goes on to /smart/complete with the one-time sign-in ticket in the URL's
 * fragment, which browsers never send to a server or put in a Referer. From then on the EHR's
 * origin may show the app's pages in a frame (a signed cookie read by proxy.ts).
 */
export async function GET(request: Request): Promise<Response> {
  const redirectUri = redirectUriFor(request);
  // The URL the EHR redirected to, on the app's public origin (the request's may be internal behind a proxy).
  const callbackUrl = `${redirectUri}${new URL(request.url).search}`;
  const clearCookie = `${LAUNCH_COOKIE}=; ${launchCookieAttributes(request, 0)}`;
  try {
    const finished = await finishLaunch(getDb(), callbackUrl, readCookie(request, LAUNCH_COOKIE), redirectUri, new Date());
    const next = `/smart/complete#ticket=${encodeURIComponent(finished.ticket)}&patient=${encodeURIComponent(finished.patientId)}`;
    const headers = new Headers({ Location: next, "Cache-Control": "no-store" });
    headers.append("Set-Cookie", clearCookie);
    const secret = env().NEXTAUTH_SECRET;
    if (secret) headers.append("Set-Cookie", `${FRAME_COOKIE}=${await signFrameAncestor(finished.ehrOrigin, secret)}; ${frameCookieAttributes(request, env().SESSION_MAX_HOURS * 3600)}`);
    return new Response(null, { status: 303, headers });
  } catch (error) {
    if (error instanceof SmartRefusal) {
      const page = refusalPage(error.title, error.message, error.status);
      page.headers.set("Set-Cookie", clearCookie);
      return page;
    }
    throw error;
  }
}
