import { getDb } from "@/lib/data/db/client";
import { SmartRefusal, startLaunch } from "@/lib/smart/launch";
import { LAUNCH_COOKIE, launchCookieAttributes, redirectUriFor, refusalPage } from "@/lib/smart/routes";

/**
 * The app's SMART launch URL (docs/ehr-integration.md). An EHR launch comes with `iss` (the EHR's
 * FHIR base URL) and `launch`; a standalone launch with `ehr`, the registered EHR picked on
 * /smart/start. Anything else goes to that picker. Public: the user signs in through the launch.
 */
export async function GET(request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const iss = params.get("iss");
  const launch = params.get("launch");
  const ehrId = params.get("ehr");
  if (iss === null && ehrId === null) return new Response(null, { status: 303, headers: { Location: "/smart/start", "Cache-Control": "no-store" } });
  if (iss !== null && (launch === null || launch === "")) {
    return refusalPage("The launch is incomplete", "The EHR sent the app its address (iss) but no launch context (launch). Open the app again from the patient's chart; if that keeps failing, the EHR's registration of the app needs the launch URL " + new URL("/smart/launch", request.url).toString() + ".", 400);
  }
  try {
    const started = await startLaunch(getDb(), iss !== null ? { iss, launch: launch! } : { ehrId: ehrId! }, redirectUriFor(request), new Date());
    return new Response(null, {
      status: 303,
      headers: { Location: started.authorizationUrl, "Set-Cookie": `${LAUNCH_COOKIE}=${started.browserNonce}; ${launchCookieAttributes(request, 600)}`, "Cache-Control": "no-store" },
    });
  } catch (error) {
    if (error instanceof SmartRefusal) return refusalPage(error.title, error.message, error.status);
    throw error;
  }
}
