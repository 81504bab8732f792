/** Option parsers shared by the CLI commands (commander calls them with each value given). */
import { InvalidArgumentError } from "commander";
import { parseIsoDate } from "@/lib/domain/dates";
import { TIERS } from "@/lib/domain/types";

export { TIERS };

/** `--as-of YYYY-MM-DD`. */
export function asOfDate(value: string): Date {
  const date = parseIsoDate(value);
  if (!date) throw new InvalidArgumentError("expected a date as YYYY-MM-DD");
  return date;
}

/** A repeatable, comma-separated option whose values must come from `allowed`. */
export function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (value: string, previous: T[] | undefined): T[] => {
    const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) throw new InvalidArgumentError(`"${item}" is not a ${what}; use ${allowed.join(", ")}.`);
    }
    return [...(previous ?? []), ...(items as T[])];
  };
}
