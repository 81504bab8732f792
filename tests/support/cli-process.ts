import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What `npm run cli` did: its exit code and output. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run cli -- …args` as an operator would, against `databaseUrl`, with `input` on standard
 * input (an empty one without it), and reports its exit code and output instead of throwing.
 */
export async function runCli(databaseUrl: string, args: string[], input?: string): Promise<CliOutcome> {
  const child = run("npm", ["run", "-s", "cli", "--", ...args], { cwd: process.cwd(), env: { ...process.env, DATABASE_URL: databaseUrl } });
  child.child.stdin!.end(input ?? "");
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliOutcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
