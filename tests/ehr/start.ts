/**
 * `npm run test-ehr [-- --port 3495 --fhir-port 3496 --page-port 3497 --app http://localhost:3000]`:
 * the test EHR (tests/ehr/test-ehr.ts) until Ctrl-C, for trying the SMART launch and CDS Hooks by
 * hand (docs/ehr-integration.md "The test EHR"), with its launch page for the app at `--app`.
 */
import { parseArgs } from "node:util";
import { DEFAULT_EHR_USER, TEST_EHR_CLIENT } from "./launch-page";
import { startTestEhr } from "./test-ehr";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3495" },
    "fhir-port": { type: "string", default: "3496" },
    "page-port": { type: "string", default: "3497" },
    app: { type: "string", default: "http://localhost:3000" },
  },
});
const app = values.app.replace(/\/+$/, "");
startTestEhr({
  port: Number(values.port),
  fhirPort: Number(values["fhir-port"]),
  launchPage: { port: Number(values["page-port"]), app: { launchUrl: `${app}/smart/launch`, redirectUri: `${app}/smart/callback`, ...TEST_EHR_CLIENT } },
})
  .then((ehr) => {
    console.log(`Test EHR running.
FHIR server (open, Synthea patients):  ${ehr.fhir.baseUrl}
SMART launcher (guarded FHIR, iss):    ${ehr.iss}
SMART configuration:                   ${ehr.iss}/.well-known/smart-configuration
Launch page (EHR launch of ${app}):    ${ehr.launchPageUrl}   (as another EHR user: ?user=<id>)

Register it in the app (once; the same key as the app's EHR_SECRET_KEY):
  echo ${TEST_EHR_CLIENT.clientSecret} | npm run cli -- ehr add --name "Test EHR" --issuer ${ehr.iss} \\
    --client-id ${TEST_EHR_CLIENT.clientId} --mrn-system http://hospital.smarthealthit.org --client-secret-stdin
  npm run cli -- ehr link --issuer ${ehr.iss} clinician@demo.clinic Practitioner/${DEFAULT_EHR_USER}
Stop with Ctrl-C.`);
    const stop = () => void ehr.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
