/**
 * The test EHR's launch page: the one piece of "EHR" UI written here (the launcher's own React
 * screens are not vendored). Plain HTML listing the Synthea patients, each with a "Launch" button
 * that opens the app's launch URL with `iss` and `launch` — the launch parameter built with the
 * launcher's own codec, naming the patient, the EHR user, the app's client and its redirect URI,
 * and asking the launcher to skip its (missing) login and approval screens.
 *
 * `?user=<id>` launches as Practitioner/<id> instead of the default user (the e2e test launches as
 * an EHR user the app does not know).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "./smart-launcher/src/isomorphic/codec";

export interface LaunchPageApp {
  /** The app's SMART launch URL, e.g. http://127.0.0.1:3000/smart/launch */
  launchUrl: string;
  /** The app's redirect URI, registered with the EHR: e.g. http://127.0.0.1:3000/smart/callback */
  redirectUri: string;
  clientId: string;
  clientSecret: string;
}

export interface LaunchPagePatient {
  id: string;
  name: string;
  birthDate: string;
}

export const DEFAULT_EHR_USER = "smart-practitioner-1";

/**
 * The app's client at the test EHR. The launcher takes any client named in the launch parameter;
 * letters and digits only, since openid-client form-encodes the id and secret in the Basic header
 * (RFC 6749 §2.3.1) and the launcher compares them without decoding.
 */
export const TEST_EHR_CLIENT = { clientId: "sarcopeniaScreening", clientSecret: "aClientSecret2026" };

/** The launcher's launch parameter for an EHR launch of `app` on `patientId` by Practitioner/`provider`. */
export function ehrLaunchParameter(app: LaunchPageApp, patientId: string, provider: string, launchType: "provider-ehr" | "provider-standalone" = "provider-ehr"): string {
  return encode({
    launch_type: launchType,
    patient: patientId,
    provider,
    encounter: "NONE",
    skip_login: true,
    skip_auth: true,
    sim_ehr: false,
    scope: "",
    redirect_uris: app.redirectUri,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    client_type: "confidential-symmetric",
    pkce: "always",
  } as never);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function launchPageHtml(iss: string, app: LaunchPageApp, patients: readonly LaunchPagePatient[], provider: string): string {
  const rows = patients
    .map((p) => {
      const launch = ehrLaunchParameter(app, p.id, provider);
      return `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.birthDate)}</td><td>
<form method="get" action="${escapeHtml(app.launchUrl)}"><input type="hidden" name="iss" value="${escapeHtml(iss)}"><input type="hidden" name="launch" value="${escapeHtml(launch)}"><button type="submit" aria-label="Launch the app on ${escapeHtml(p.name)}">Launch</button></form></td></tr>`;
    })
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test EHR</title></head><body>
<h1>Test EHR</h1>
<p>Signed in as Practitioner/${escapeHtml(provider)}. FHIR server (iss): <code>${escapeHtml(iss)}</code></p>
<table><thead><tr><th>Patient</th><th>Born</th><th></th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}

/** Serves the launch page on `port` (0: a free one). */
export async function startLaunchPage(iss: string, app: LaunchPageApp, patients: readonly LaunchPagePatient[], port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/") {
      res.writeHead(404).end();
      return;
    }
    const provider = url.searchParams.get("user") ?? DEFAULT_EHR_USER;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(launchPageHtml(iss, app, patients, provider));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
