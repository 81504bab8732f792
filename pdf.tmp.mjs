import { chromium } from "@playwright/test";
const base = process.env.BASE ?? "http://127.0.0.1:3258";
const [,, out, url] = process.argv;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await (await browser.newContext()).newPage();
await page.goto(base + "/login");
await page.getByLabel("Email").fill("clinician@demo.clinic");
await page.getByLabel("Password").fill("sarcopenia-demo-2026");
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("button", { name: "Sign out" }).waitFor();
let target = url;
if (url.startsWith("PATIENT")) { await page.goto(base + "/patients"); target = (await page.locator("table tbody tr a").first().getAttribute("href")) + url.slice(7); }
await page.goto(base + target);
await page.waitForTimeout(1500);
await page.emulateMedia({ media: "print" });
await page.pdf({ path: out, format: "A4", printBackground: true });
await browser.close();
