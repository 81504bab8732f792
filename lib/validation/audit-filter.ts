import { z } from "zod";
import { AUDIT_ACTIONS } from "@/lib/domain/audit-describe";
import { addDaysUtc, parseIsoDate } from "@/lib/domain/dates";

/**
 * The audit page's URL state (?actor=&action=&mrn=&from=&to=), shared by the page and the CSV
 * download. A value that does not parse is dropped rather than failing the page, and reported
 * back so the form can say which field was ignored.
 */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional()).catch(undefined);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => parseIsoDate(s) !== null);

export const auditQuerySchema = z.object({
  actor: optional(z.string().trim().min(1).max(64)),
  action: optional(z.enum(AUDIT_ACTIONS)),
  mrn: optional(z.string().trim().min(1).max(64)),
  from: optional(isoDate),
  to: optional(isoDate),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export function parseAuditQuery(params: Record<string, string | string[] | undefined>): AuditQuery {
  const single = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  return auditQuerySchema.parse(single);
}

/** The data layer's filter: dates are whole UTC days, `to` inclusive. */
export function auditFilterOf(query: AuditQuery) {
  return {
    actorId: query.actor,
    action: query.action,
    mrn: query.mrn,
    from: query.from ? (parseIsoDate(query.from) ?? undefined) : undefined,
    to: query.to ? addDaysUtc(parseIsoDate(query.to)!, 1) : undefined,
  };
}

/** "?actor=…&…" with only the fields set (plus extras such as the paging cursor). */
export function auditQueryString(query: AuditQuery, extra: Record<string, string> = {}): string {
  const entries = Object.entries({ ...query, ...extra }).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== "");
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : "";
}
