/** The cookie by which the remove action tells the EHR page which EHR it removed (./actions.ts). */
export const REMOVED_EHR_COOKIE = "ehr_removed";
