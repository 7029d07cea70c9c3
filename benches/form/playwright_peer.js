// The form challenge with playwright-core's fill, on Debian's Chromium.
// Usage: node playwright_peer.js URL CSV   (prints the page's own time in ms)
const fs = require("fs");
const { chromium } = require("playwright-core");

function rows(path) {
  const [header, ...lines] = fs.readFileSync(path, "utf8").trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

(async () => {
  const [url, csv] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.goto(url);
  await page.click("#start");
  for (const row of rows(csv)) {
    for (const [label, value] of Object.entries(row)) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
    await page.getByRole("button", { name: "Skicka" }).click();
  }
  const result = await page.textContent("#result");
  console.log(result.match(/(\d+) ms/)[1]);
  await browser.close();
})();
