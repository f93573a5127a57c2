// Loads the dashboard in headless Chromium (Debian's, through playwright-core: no browser is downloaded), waits until
// its checkpoint chart plots at least N checkpoints of the job, saves a screenshot, and prints on stdout one JSON
// object: what the chart plots (ids and durations) and what the page's tables show.
// Usage: node dashboard-check.mjs <dashboard url> <job> <min checkpoints> <screenshot.png> [chromium path]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [url, job, minCheckpoints, screenshot, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "orleans-checkpoint-chromium-"));
// A fresh profile (--user-data-dir): playwright passes the folder it is given.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1400, height: 1700 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  await page.goto(`${url}/?job=${encodeURIComponent(job)}`, { waitUntil: "load" });
  await page.waitForFunction(
    (n) => window.dashboard && window.dashboard.chart && window.dashboard.chart.data.labels.length >= n && window.dashboard.lastCheckpointId !== null,
    Number(minCheckpoints), { timeout: 30000 });
  await page.waitForTimeout(300); // the chart draws on the next frame
  const shown = await page.evaluate(() => ({
    ids: window.dashboard.chart.data.labels,
    durations: window.dashboard.chart.data.datasets[0].data,
    sizes: window.dashboard.chart.data.datasets[2].data,
    chartPixels: document.getElementById("checkpoint-chart").width,
    latestTitle: document.getElementById("latest-title").textContent,
    latestRows: document.querySelectorAll("#latest tbody tr").length,
    operators: [...document.querySelectorAll(".operator")].map((o) => o.dataset.operator),
    jobs: [...document.querySelectorAll("#jobs tbody tr")].map((r) => r.dataset.job),
    problem: document.getElementById("problem").hidden ? null : document.getElementById("problem").textContent,
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ ...shown, pageErrors: problems }));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
