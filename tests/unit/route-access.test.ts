import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { PAGE_ACCESS, ROUTE_HANDLER_ACCESS, SERVER_ACTION_ACCESS } from "@/lib/auth/route-access";

/**
 * Walks app/ and checks every page, route handler and server action against the access table
 * (lib/auth/route-access.ts): each is listed, and each guards itself with exactly the listed
 * permission. A new route or action without an entry fails here.
 */
const APP = join(process.cwd(), "app");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** app/(app)/patients/[id]/page.tsx → /patients/[id] (route groups drop out of the URL). */
function urlOf(file: string): string {
  const parts = relative(APP, file).split(sep).slice(0, -1).filter((p) => !/^\(.*\)$/.test(p));
  return `/${parts.join("/")}`;
}

const all = files(APP);
const pages = all.filter((f) => f.endsWith(`${sep}page.tsx`));
const routes = all.filter((f) => f.endsWith(`${sep}route.ts`));
const actionFiles = all.filter((f) => /\.tsx?$/.test(f) && /^["']use server["']/m.test(readFileSync(f, "utf8")));

describe("every page guards itself as the access table says", () => {
  it("lists exactly the pages that exist", () => {
    expect(pages.map(urlOf).sort()).toEqual(Object.keys(PAGE_ACCESS).sort());
  });
  for (const file of pages) {
    const url = urlOf(file);
    it(`${url}`, () => {
      const access = PAGE_ACCESS[url as keyof typeof PAGE_ACCESS];
      const source = readFileSync(file, "utf8");
      if (access === "public") return;
      if (access === "signed-in") expect(source).toMatch(/getActor\(\)/);
      else expect(source).toContain(`requirePageActor("${access}")`);
    });
  }
});

describe("every route handler guards itself as the access table says", () => {
  it("lists exactly the route handlers that exist", () => {
    expect(routes.map(urlOf).sort()).toEqual(Object.keys(ROUTE_HANDLER_ACCESS).sort());
  });
  for (const file of routes) {
    const url = urlOf(file);
    it(`${url}`, () => {
      const access = ROUTE_HANDLER_ACCESS[url as keyof typeof ROUTE_HANDLER_ACCESS];
      const source = readFileSync(file, "utf8");
      if (access === "public") return;
      if (access === "cds-client") {
        // Authenticated by the CDS client's JWT inside lib/cds-hooks/handle.ts, which cdsCall() feeds.
        expect(source).toMatch(/(discoveryResponse\(request|serviceResponse\(request, id|feedbackResponse\(request, id), cdsCall\(\)\)/);
        return;
      }
      const handlers = [...source.matchAll(/export (?:const|async function) (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]);
      expect(handlers.length).toBeGreaterThan(0);
      for (const method of handlers) expect(source, `${url} ${method}`).toMatch(new RegExp(`export const ${method} = guardedRoute\\("${access}"`));
    });
  }
});

describe("every server action guards itself as the access table says", () => {
  const found = actionFiles.flatMap((file) => {
    const source = readFileSync(file, "utf8");
    const rel = relative(APP, file).split(sep).join("/");
    return [...source.matchAll(/export (?:const|async function|function) (\w+)/g)].map((m) => ({ key: `${rel}#${m[1]}`, name: m[1]!, source }));
  });
  it("lists exactly the exported actions that exist", () => {
    expect(found.map((a) => a.key).sort()).toEqual(Object.keys(SERVER_ACTION_ACCESS).sort());
  });
  for (const action of found) {
    it(action.key, () => {
      const access = SERVER_ACTION_ACCESS[action.key as keyof typeof SERVER_ACTION_ACCESS];
      expect(action.source).toMatch(new RegExp(`export const ${action.name} = guardedAction\\("${access}"`));
    });
  }
});
