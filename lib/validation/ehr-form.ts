import { z } from "zod";

/**
 * The EHR page's forms (app/(app)/ehr): registering or editing the clinic's EHR for SMART launch,
 * and linking a user to their EHR identity. The values are checked again, with the reasons, by
 * lib/data/ehr/connections.ts (which the CLI calls too); here only their shape.
 */
const text = (message: string, max: number) => z.string({ error: message }).trim().max(max, { error: `At most ${max} characters.` });

export const ehrFormSchema = z.object({
  id: z.string().trim().optional().transform((id) => (id === "" ? undefined : id)),
  name: text("Enter the EHR's name, as your colleagues call it.", 120).min(1, { error: "Enter the EHR's name, as your colleagues call it." }),
  issuer: text("Enter the EHR's FHIR base URL.", 500).min(1, { error: "Enter the EHR's FHIR base URL (the `iss` its launches send), e.g. https://ehr.example.org/fhir/r4." }),
  clientId: text("Enter the client id the EHR gave the app.", 200).min(1, { error: "Enter the client id the EHR gave the app." }),
  clientSecret: z.string().max(500, { error: "At most 500 characters." }).optional().default(""),
  mrnSystem: text("Enter the identifier system of the clinic's MRNs.", 300).min(1, { error: "Enter the identifier system of the clinic's MRNs in the EHR (Patient.identifier.system), e.g. urn:oid:1.2.3.4." }),
});

export const ehrUserLinkFormSchema = z.object({
  ehrId: z.string({ error: "The EHR is missing; reload the page." }).trim().min(1, { error: "The EHR is missing; reload the page." }),
  userId: z.string({ error: "Choose a user." }).trim().min(1, { error: "Choose a user." }),
  fhirUser: text("Enter the user's EHR identity.", 100).default(""),
});

export const bulkSettingsFormSchema = z.object({
  ehrId: z.string({ error: "The EHR is missing; reload the page." }).trim().min(1, { error: "The EHR is missing; reload the page." }),
  clientId: text("Enter the backend-services client id.", 200).default(""),
  privateJwk: z.string().max(20_000, { error: "A private key (JWK) is at most a few kilobytes: paste only the key." }).optional().default(""),
  fhirBaseUrl: text("Enter the FHIR base URL to export from.", 500).default(""),
  groupId: text("Enter the Group id.", 64).default(""),
});

export const ehrRemoveFormSchema = z.object({
  ehrId: z.string({ error: "The EHR is missing; reload the page." }).trim().min(1, { error: "The EHR is missing; reload the page." }),
});

export const bulkSyncFormSchema = z.object({
  ehrId: z.string({ error: "The EHR is missing; reload the page." }).trim().min(1, { error: "The EHR is missing; reload the page." }),
});
