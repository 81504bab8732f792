import { chromium } from "@playwright/test";
const base = process.env.BASE ?? "http://127.0.0.1:3248";
const [,, out, widthsArg, ...paths] = process.argv;
const widths = widthsArg.split(",").map(Number);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const scheme = process.env.SCHEME ?? "light";
const ctx = await browser.newContext({ colorScheme: scheme });
const page = await ctx.newPage();
await page.goto(base + "/login");
await page.getByLabel("Email").fill(process.env.WHO ?? "clinician@demo.clinic");
await page.getByLabel("Password").fill("sarcopenia-demo-2026");
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("button", { name: "Sign out" }).waitFor();
for (const p of paths) {
  for (const w of widths) {
    await page.setViewportSize({ width: w, height: 900 });
    let url = p;
    if (p.startsWith("PATIENT")) { if (!globalThis.pid) { await page.goto(base + "/patients"); globalThis.pid = await page.locator("table tbody tr a").first().getAttribute("href"); } url = globalThis.pid + p.slice(7); }
    await page.goto(base + url);
    await page.waitForTimeout(500);
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    const name = `${out}/${p.replace(/[^a-z0-9]+/gi, "_")}-${w}${scheme === "dark" ? "-dark" : ""}.png`;
    await page.screenshot({ path: name, fullPage: process.env.FULL === "1" });
    console.log(name, "scrollWidth", sw);
  }
}
await browser.close();
