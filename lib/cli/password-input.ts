import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/**
 * Passwords for the CLI come from the terminal (typed, not echoed) or from standard input, never
 * from the command line, where they would show in the process list (`ps`) and shell history.
 */

/** The first line of `input` (`--password-stdin`), without its line ending. */
export async function readPasswordLine(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    throw new Error("--password-stdin: standard input was empty; pipe the password in, e.g. `… --password-stdin < password.txt`.");
  } finally {
    lines.close();
  }
}

/** Asks for a line on the terminal without showing what is typed. */
function askHidden(question: string): Promise<string> {
  // Readline echoes what is typed to its output: give it one that swallows everything.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
  process.stdout.write(question);
  return new Promise((resolve) => {
    reader.question("", (answer) => {
      reader.close();
      process.stdout.write("\n");
      resolve(answer);
    });
  });
}

/** `--password-prompt`: asks twice on the terminal, without echo, and insists the two agree. */
export async function promptNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new Error("--password-prompt needs a terminal; to pass the password from a script, pipe it with --password-stdin.");
  }
  const first = await askHidden("Password (not shown): ");
  const second = await askHidden("Same password again: ");
  if (first !== second) throw new Error("The two passwords differ; nothing was changed. Run the command again.");
  return first;
}
