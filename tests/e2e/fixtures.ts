import { test as base } from "@playwright/test";

export { expect, request } from "@playwright/test";
export type { APIRequestContext, Browser, BrowserContext, Locator, Page } from "@playwright/test";

/**
 * Playwright's `test`, with the browser on the test's clock. Under scripts/test-shifted.sh the
 * app server and this runner read a clock moved by libfaketime (FAKETIME), but Chromium crashes
 * when libfaketime is preloaded into it, so it runs on the real clock (playwright.config.ts
 * strips the preload) and each of its contexts gets the runner's time through Playwright's clock
 * emulation instead; time then flows on from there. Without FAKETIME nothing changes. Every spec
 * imports `test` from here (an ESLint rule says so), so contexts made with `browser.newContext()`
 * or `browser.newPage()` are covered as well as the `page` fixture's.
 */
export const test = base.extend<object, { browserOnTestClock: void }>({
  browserOnTestClock: [
    async ({ browser }, use) => {
      if (process.env.FAKETIME) {
        const newContext = browser.newContext.bind(browser);
        browser.newContext = async (options) => {
          const context = await newContext(options);
          await context.clock.install({ time: Date.now() });
          return context;
        };
      }
      await use();
    },
    { scope: "worker", auto: true },
  ],
});
