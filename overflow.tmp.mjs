// Lists the elements wider than the viewport on each page (what makes it scroll sideways).
import { chromium } from "@playwright/test";
const base = process.env.BASE ?? "http://127.0.0.1:3258";
const [,, width, ...paths] = process.argv;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await (await browser.newContext({ viewport: { width: Number(width), height: 900 } })).newPage();
await page.goto(base + "/login");
await page.getByLabel("Email").fill(process.env.WHO ?? "admin@demo.clinic");
await page.getByLabel("Password").fill("sarcopenia-demo-2026");
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("button", { name: "Sign out" }).waitFor();
let pid;
for (const p of paths) {
  if (p.startsWith("PATIENT") && !pid) { await page.goto(base + "/patients"); pid = await page.locator("table tbody tr a").first().getAttribute("href"); }
  await page.goto(base + (p.startsWith("PATIENT") ? pid + p.slice(7) : p));
  await page.waitForTimeout(300);
  const wide = await page.evaluate((w) => [...document.querySelectorAll("body *")].filter((e) => { const r = e.getBoundingClientRect(); return r.right > w + 1 && r.width > 0; }).filter((e) => !e.closest(".skip-link, .visually-hidden") && !(e.parentElement && e.parentElement.closest(".table-wrap"))).slice(0, 6).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} right=${Math.round(e.getBoundingClientRect().right)}`), Number(width));
  console.log(p, wide.join(" | "));
}
await browser.close();
