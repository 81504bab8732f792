import { toIsoDate } from "@/lib/domain/dates";

/** Display helpers shared by pages (dates in the clinic's reading order, numbers with units). */
export function formatDate(date: Date | null | undefined): string {
  return date ? toIsoDate(date) : "—";
}

export function formatNumber(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

