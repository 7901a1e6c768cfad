// Opens one local HTML file in headless Chromium (Debian's /usr/bin/chromium, driven by the
// playwright-core pinned in package.json) with the network blocked, runs a few steps, and prints
// one JSON report on stdout. The Rust side is tests/support/browser.rs; any test can use it.
//
// Usage: node tests/support/browser.mjs < JOB.json
//
// JOB: {
//   "file": "/absolute/path/page.html",   // opened as a file: URL
//   "fragment": "#/optional",             // appended to the URL
//   "viewport": {"width": 1280, "height": 900},
//   "timeoutMs": 15000,                   // per step
//   "totalTimeoutMs": 120000,             // the whole run, browser start included
//   "steps": [
//     {"waitFor": SELECTOR},              // until one match is visible
//     {"click": SELECTOR},                // the first match
//     {"scrollTo": SELECTOR},             // the first match, into view
//     {"text": SELECTOR, "as": NAME},     // innerText of every match
//     {"tables": SELECTOR, "as": NAME},   // every matching <table>: rows of cell texts
//     {"links": SELECTOR, "as": NAME},    // every matching <a>: {"text", "href"}
//     {"screenshot": "/absolute/path.png"}
//   ]
// }
// SELECTOR is a Playwright selector (CSS with :has(), :text-is(), :visible, or text=...).
//
// Report: {"url", "requests": [...], "failedRequests": [{"url", "error"}], "consoleErrors": [...],
//          "pageErrors": [...], "text": {NAME: [...]}, "tables": {NAME: [[[cell, ...], ...]]},
//          "links": {NAME: [{"text", "href"}]}, "screenshots": [...],
//          "error": null | "step N (...): message"}
// Every request to anything but file:, data: and blob: is aborted and listed as failed. The exit
// status is 0 when the steps ran (the caller judges the report), 1 when a step failed or the run
// timed out, 2 when the browser could not start.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
// Flags for a machine whose network is closed: no background connections, no component or sync
// traffic, and no name resolution at all.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--host-resolver-rules=MAP * ~NOTFOUND",
];
const LOCAL = /^(file|data|blob):/;

const job = JSON.parse(readFileSync(0, "utf8"));
const report = {
  url: pathToFileURL(job.file).href + (job.fragment || ""),
  requests: [],
  failedRequests: [],
  consoleErrors: [],
  pageErrors: [],
  text: {},
  tables: {},
  links: {},
  screenshots: [],
  error: null,
};
let current = "start";
setTimeout(() => {
  report.error = `${current}: the run took longer than ${job.totalTimeoutMs || 120000} ms`;
  console.log(JSON.stringify(report));
  process.exit(1);
}, job.totalTimeoutMs || 120000).unref();

let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
} catch (err) {
  report.error = `could not start ${CHROMIUM}: ${err.message}`;
  console.log(JSON.stringify(report));
  process.exit(2);
}

current = "open";
try {
  const context = await browser.newContext({
    viewport: job.viewport || { width: 1280, height: 900 },
    offline: true,
    serviceWorkers: "block",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(job.timeoutMs || 15000);
  page.on("request", (request) => report.requests.push(request.url()));
  page.on("requestfailed", (request) =>
    report.failedRequests.push({
      url: request.url(),
      error: request.failure()?.errorText ?? "failed",
    }),
  );
  page.on("console", (message) => {
    if (message.type() === "error") report.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error?.stack || error)));
  await context.route("**/*", (route) =>
    LOCAL.test(route.request().url()) ? route.continue() : route.abort("blockedbyclient"),
  );

  await page.goto(report.url, { waitUntil: "load" });
  for (const [index, step] of (job.steps || []).entries()) {
    current = `step ${index + 1} (${JSON.stringify(step)})`;
    if (step.waitFor) {
      await page.locator(step.waitFor).first().waitFor({ state: "visible" });
    } else if (step.click) {
      await page.locator(step.click).first().click();
    } else if (step.scrollTo) {
      await page.locator(step.scrollTo).first().scrollIntoViewIfNeeded();
    } else if (step.text) {
      report.text[step.as] = await page.locator(step.text).allInnerTexts();
    } else if (step.tables) {
      report.tables[step.as] = await page
        .locator(step.tables)
        .evaluateAll((tables) =>
          tables.map((table) =>
            [...table.rows].map((row) => [...row.cells].map((cell) => cell.innerText.trim())),
          ),
        );
    } else if (step.links) {
      report.links[step.as] = await page
        .locator(step.links)
        .evaluateAll((links) =>
          links.map((link) => ({ text: link.innerText.trim(), href: link.getAttribute("href") })),
        );
    } else if (step.screenshot) {
      // Let fonts and layout settle before the picture.
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: step.screenshot });
      report.screenshots.push(step.screenshot);
    } else {
      throw new Error("unknown step");
    }
  }
  // Late failures (an image requested after a click) still count.
  await page.waitForTimeout(250);
} catch (err) {
  report.error = `${current}: ${err.message.split("\n")[0]}`;
}
await browser.close();
console.log(JSON.stringify(report));
process.exit(report.error ? 1 : 0);
