import { guardedRoute } from "@/lib/auth/guarded";
import { buildAssessmentTemplateCsv } from "@/lib/validation/upload-csv";

/** GET /api/import/template → the assessment spreadsheet template: every column of docs/design.md#assessment-spreadsheet-csv-import and two example visits. */
export const GET = guardedRoute("import:run", async () =>
  new Response(buildAssessmentTemplateCsv(), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="assessment-template.csv"',
      "Cache-Control": "no-store",
    },
  }),
);
