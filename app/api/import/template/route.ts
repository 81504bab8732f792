import { guardedRoute } from "@/lib/auth/guarded";
import { buildAssessmentTemplateCsv } from "@/lib/validation/upload-csv";

/** GET /api/import/template → the assessment spreadsheet template: DESIGN.md's columns and two example visits. */
export const GET = guardedRoute("import:run", async () =>
  new Response(buildAssessmentTemplateCsv(), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="assessment-template.csv"',
      "Cache-Control": "no-store",
    },
  }),
);
