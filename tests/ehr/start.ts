/**
 * `npm run test-ehr [-- --port 3495 --fhir-port 3496]`: the test EHR (tests/ehr/test-ehr.ts) until
 * Ctrl-C, for trying the SMART launch and CDS Hooks by hand (docs/ehr-integration.md).
 */
import { parseArgs } from "node:util";
import { startTestEhr } from "./test-ehr";

const { values } = parseArgs({ options: { port: { type: "string", default: "3495" }, "fhir-port": { type: "string", default: "3496" } } });
startTestEhr({ port: Number(values.port), fhirPort: Number(values["fhir-port"]) })
  .then((ehr) => {
    console.log(`Test EHR running.
FHIR server (open, Synthea patients):  ${ehr.fhir.baseUrl}
SMART launcher (guarded FHIR, iss):    ${ehr.iss}
SMART configuration:                   ${ehr.iss}/.well-known/smart-configuration
EHR launch of the app (patient chosen): ${ehr.origin}/launcher?fhir_ver=4&launch_uri=<the app's /smart/launch URL>&patient=<patient id>
Stop with Ctrl-C.`);
    const stop = () => void ehr.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
