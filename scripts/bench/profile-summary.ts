/**
 * Diagnosis helper (not part of `npm run bench`): summarises a V8 .cpuprofile written by
 * `node --cpu-prof` — self time by function and by file, and inclusive time of the project's own
 * functions — so a benchmark's bottleneck can be named without a GUI.
 *
 *   node --conditions=react-server --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx \
 *     scripts/bench/trace-queries.ts file:/tmp/sarc-bench/bench-10000.db export
 *   npx tsx scripts/bench/profile-summary.ts /tmp/prof/<file>.cpuprofile [top]
 */
import { readFileSync } from "node:fs";
import { exitWithUsageError, exitWithUsageIfAsked } from "../usage";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  const i = url.indexOf("node_modules/");
  if (i >= 0) return url.slice(i + "node_modules/".length).split("/").slice(0, url.slice(i).includes("/@") ? 2 : 1).join("/");
  return url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "") || "(native)";
}

const USAGE = "usage: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]";
exitWithUsageIfAsked(USAGE);
const [file, topArg] = process.argv.slice(2);
if (!file) exitWithUsageError("Give the .cpuprofile file.", USAGE);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

const selfByFn = new Map<string, number>();
const selfByFile = new Map<string, number>();
const inclusiveOwn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  const fileName = shortUrl(url);
  selfByFn.set(`${functionName || "(anonymous)"} ${fileName}:${lineNumber + 1}`, (selfByFn.get(`${functionName || "(anonymous)"} ${fileName}:${lineNumber + 1}`) ?? 0) + us);
  selfByFile.set(fileName, (selfByFile.get(fileName) ?? 0) + us);
  // Inclusive time of project functions (lib/, prisma/, scripts/): walk up once per distinct frame.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)!.callFrame;
    const f = shortUrl(frame.url);
    if (!/^(lib|prisma|scripts|app)\//.test(f)) continue;
    const key = `${frame.functionName || "(anonymous)"} ${f}:${frame.lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusiveOwn.set(key, (inclusiveOwn.get(key) ?? 0) + us);
  }
}
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${key}`);
  }
};
console.log(`profile: ${(totalUs / 1000).toFixed(0)} ms`);
show("self time by file / package", selfByFile);
show("self time by function", selfByFn);
show("inclusive time of project functions", inclusiveOwn);
