/**
 * Usage: `exitWithUsageIfAsked(USAGE)` first thing in a script, before its arguments are parsed.
 * With --help or -h among the arguments, the script prints its usage to stdout and exits 0,
 * before doing anything (no stack trace from an argument parser that does not know the flag).
 */
export function exitWithUsageIfAsked(usage: string, args: readonly string[] = process.argv.slice(2)): void {
  if (!args.includes("--help") && !args.includes("-h")) return;
  process.stdout.write(usage.endsWith("\n") ? usage : `${usage}\n`);
  process.exit(0);
}

/** Prints the usage after a problem with the arguments, to stderr, and exits 2 (a usage error). */
export function exitWithUsageError(problem: string, usage: string): never {
  process.stderr.write(`${problem}\n${usage.endsWith("\n") ? usage : `${usage}\n`}`);
  process.exit(2);
}
