// Browser tests: build the portal, serve it on a free 127.0.0.1 port with `vidkryto serve`,
// open the pages in Debian's headless chromium (playwright-core) with every request off
// 127.0.0.1 blocked, assert what a reader sees, run axe-core (no serious or critical WCAG
// 2.1 A/AA violations allowed) and save full-page screenshots as artifacts.
//
// Environment: VIDKRYTO_BIN (default target/debug/vidkryto), VIDKRYTO_CONFIG (default
// tests/browser/portal.toml), CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default
// target/browser-artifacts).

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = process.env.VIDKRYTO_BIN || join(root, "target/debug/vidkryto");
const config = process.env.VIDKRYTO_CONFIG || join(here, "portal.toml");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.ARTIFACTS || join(root, "target/browser-artifacts");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const failures = [];
function check(condition, message) {
  if (condition) {
    console.log(`  ok  ${message}`);
  } else {
    console.log(`  FAIL ${message}`);
    failures.push(message);
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url, child, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vidkryto serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch (_) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

console.log(`building the portal with ${bin} --config ${config}`);
const built = spawnSync(bin, ["--config", config, "build"], { stdio: "inherit" });
if (built.status !== 0) {
  console.error("vidkryto build failed");
  process.exit(1);
}
const publicDir = join(root, "target/browser-portal/public");
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(bin, ["--config", config, "serve", "--addr", `127.0.0.1:${port}`, "--dir", publicDir], {
  stdio: ["ignore", "inherit", "inherit"],
});
const profile = mkdtempSync(join(tmpdir(), "vidkryto-chromium-"));
mkdirSync(artifacts, { recursive: true });
let context;
try {
  await waitFor(`${base}/healthz`, server);
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  // No network beyond the portal: map tiles and anything else off-host fail.
  let blocked = 0;
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    blocked++;
    return route.abort();
  });
  const page = context.pages()[0] || (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  // Internal keys a reader must never see: source ids, raw vocabulary codes, check formulas.
  // Text in <code> (field names, API URLs) and the schema table are for developers and are
  // not checked.
  const KEYS_ANY = /seed-\d+|\b(city-budget|other-sources|state-budget|approved-document|in-force|not-applicable|phone-1551|web-1551-gov-ua|government-hotline|maintenance-support|it-staff|oblast-centre|city-of-oblast-significance|apparatus-upkeep)\b|\b[a-z-]+\.[a-z_0-9]+ \(/;
  const KEYS_UK = /\b(decision|expired|draft|efficiency|product|quality|purchase|own|description|savings|revenue|exact)\b/;
  async function noKeys(path) {
    const lang = await page.locator("html").getAttribute("lang");
    const text = await page.evaluate(() => {
      const body = document.body.cloneNode(true);
      // The schema table documents the codes themselves, for developers.
      body.querySelectorAll("code, pre, script, style, noscript, table.schema").forEach((el) => el.remove());
      return body.textContent.replace(/\s+/g, " ");
    });
    const found = text.match(KEYS_ANY) || (lang === "uk" ? text.match(KEYS_UK) : null);
    check(!found, `${path}: no internal keys in visible text${found ? ` (found «${text.slice(Math.max(0, found.index - 60), found.index + 40)}»)` : ""}`);
  }
  async function visit(path, name) {
    console.log(`\n${path}`);
    const response = await page.goto(base + path, { waitUntil: "load" });
    check(response && response.status() === 200, `${path} answers 200`);
    await noKeys(path);
    return name;
  }
  async function axe(name) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      })
    );
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of bad) {
      console.log(`       axe ${v.impact}: ${v.id} — ${v.help} (${v.nodes.length} nodes)`);
      for (const n of v.nodes.slice(0, 3)) console.log(`         ${n.target.join(" ")}`);
    }
    check(bad.length === 0, `${name}: no serious or critical axe violations`);
  }
  // Every page kind at a laptop's 1366 px and a phone's 390 px; on the phone nothing may
  // scroll sideways (wide tables scroll inside their own region).
  async function shot(name) {
    await page.screenshot({ path: join(artifacts, `${name}-1366.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 1, `${name}: no horizontal scroll at 390 px (${overflow} px)`);
    // Chart text as drawn on the phone: its font size times the SVG's scale.
    const smallest = await page.evaluate(() => {
      let min = Infinity;
      document.querySelectorAll("svg.chart").forEach((svg) => {
        const box = svg.viewBox && svg.viewBox.baseVal;
        const shown = svg.getBoundingClientRect().width;
        if (!box || !box.width || !shown) return;
        svg.querySelectorAll("text").forEach((t) => {
          const size = parseFloat(t.getAttribute("font-size") || getComputedStyle(t).fontSize);
          if (size && t.textContent.trim()) min = Math.min(min, size * shown / box.width);
        });
      });
      return min;
    });
    check(smallest === Infinity || smallest >= 10, `${name}: chart text at 390 px is at least 10 px (${smallest === Infinity ? "no chart" : smallest.toFixed(1) + " px"})`);
    await page.screenshot({ path: join(artifacts, `${name}-390.png`), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
  }

  // The budget explorer: bars drawn, figures shown.
  await visit("/budget/digital-kyiv-2024-2025/", "budget-digital-kyiv");
  const bars = page.locator("svg.chart rect.bar");
  check((await bars.count()) > 13, `chart bars drawn (${await bars.count()})`);
  const box = await bars.first().boundingBox();
  check(box && box.width > 0 && box.height > 0, "first bar is visible with a size");
  check(await page.locator("td.num", { hasText: "3\u00a0301\u00a0953,5" }).first().isVisible(), "2024 total 3 301 953,5 visible");
  check((await page.locator("figure.chart-figure table").count()) > 0, "each chart has its data table");
  await axe("budget-digital-kyiv");
  await shot("budget-digital-kyiv");

  // Every programme has its page, and each states the document's own figures first.
  await visit("/budget/", "budget");
  const programmeLinks = await page.locator(".cards .card h2 a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  const programmes = {
    "/budget/digital-kyiv-2024-2025/": ["6\u00a0704\u00a0931,1", "3\u00a0301\u00a0953,5", "5\u00a0804\u00a0699,1"],
    "/budget/kyiv-egov-2012-2014/": ["157\u00a0440,2", "41\u00a0834,0", "25\u00a0275,8"],
    "/budget/kyiv-egov-2015-2018/": ["202\u00a0551,0", "144\u00a0067,0"],
    "/budget/zhytomyr-e-city-2021-2026/": ["27\u00a0395,4"],
    "/budget/kyiv-it-audit-2010-2011/": ["215\u00a0923,2"],
  };
  for (const path of Object.keys(programmes)) {
    check(programmeLinks.includes(path), `/budget/ lists ${path}`);
  }
  check(await page.getByText("202\u00a0551,0").first().isVisible(), "the 2015–2018 card gives the document's 202 551,0");
  await axe("budget");
  await shot("budget");
  for (const [path, figures] of Object.entries(programmes)) {
    await visit(path, path);
    const stated = page.locator("section.stated");
    for (const figure of figures) {
      check(await stated.getByText(figure).first().isVisible().catch(() => false), `${path}: ${figure.replace(/\u00a0/g, " ")} stated at the top`);
    }
  }
  // Key facts: the document's figures besides money, with their sections, and the
  // programme's indicators (1 595 / 1 735 cameras) that search links to.
  for (const [path, facts, indicator] of [
    ["/budget/digital-kyiv-2024-2025/", ["8\u00a0934", "412", "понад 320\u00a0000", "927", "1\u00a0326"], "1595*"],
    ["/en/budget/digital-kyiv-2024-2025/", ["8,934", "more than 320,000", "1,326"], "1735**"],
  ]) {
    await visit(path, path);
    const block = page.locator("section.key-facts");
    for (const fact of facts) {
      check(await block.locator(".figure", { hasText: fact }).first().isVisible().catch(() => false), `${path}: key fact ${fact.replace(/\u00a0/g, " ")} shown`);
    }
    check((await block.locator(".meta").count()) >= facts.length, `${path}: each key fact names its section`);
    check(await page.locator("table.indicators td", { hasText: indicator }).first().isVisible().catch(() => false), `${path}: programme indicator ${indicator} shown`);
  }
  await visit("/budget/kyiv-egov-2015-2018/", "budget-egov-2015");
  check(await page.locator("section.stated .explain").isVisible(), "2015–2018: the difference between stated and listed is explained");
  await shot("budget-egov-2015");
  await visit("/budget/digital-kyiv-2024-2025/", "budget-digital-kyiv-top");
  const discrepancy = page.locator("section.discrepancies");
  check(await discrepancy.getByText("5\u00a0044\u00a0699,1").first().isVisible().catch(() => false), "Digital Kyiv: 5 804 699,1 vs 5 044 699,1 shown at the top, not collapsed");
  await visit("/budget/kyiv-it-audit-2010-2011/", "budget-it-audit");
  await axe("budget-it-audit");
  await shot("budget-it-audit");
  await visit("/budget/zhytomyr-e-city-2021-2026/", "budget-zhytomyr");
  await shot("budget-zhytomyr");

  await visit("/budget/kyiv-egov-2012-2014/", "budget-egov");
  check(await page.locator("td.num", { hasText: "84\u00a0667,2" }).first().isVisible(), "planned 84 667,2 visible");
  check((await page.locator("svg.chart rect.bar").count()) >= 9, "planned/budgeted/financed bars");
  check(await page.locator("figure.chart-figure td.num", { hasText: "84\u00a0667,2" }).first().isVisible(), "chart data tables use Ukrainian number formatting");
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 10000 }).catch(() => null),
    page.locator("button.png-download").first().click(),
  ]);
  check(download && download.suggestedFilename().endsWith(".png"), "PNG download of a chart");
  await axe("budget-egov");
  await shot("budget-egov");

  await visit("/budget/digital-kyiv-2024-2025/2-1/", "measure");
  check(await page.locator("td.num", { hasText: "205,76" }).first().isVisible(), "the document's efficiency indicator 205,76 shown");
  check((await page.getByText("Вартість одиниці продукту").count()) === 0, "no computed unit cost contradicting it");
  await axe("measure");
  await shot("measure");

  // The appeals map with no network: hexagons, legend, counts.
  await visit("/appeals/", "appeals");
  await page.waitForSelector("#appeals-map path.hexagon", { timeout: 10000 }).catch(() => null);
  const hexagons = await page.locator("#appeals-map path.hexagon").count();
  check(hexagons > 0, `map hexagons drawn without network (${hexagons})`);
  check(await page.locator(".legend li").first().isVisible(), "map legend visible");
  if (hexagons > 0) {
    await page.locator("#appeals-map path.hexagon").first().click({ force: true });
    check((await page.locator("#map-details li").count()) > 0, "clicking a hexagon lists its categories");
  }
  // Appeals anonymisation kept only the district of: labelled circles at district centres.
  const circles = await page.locator("#appeals-map path.district").count();
  check(circles > 0, `district-level appeals drawn as circles at district centres (${circles})`);
  const districtLabels = await page.locator(".district-label").allInnerTexts();
  check(districtLabels.some((t) => /^Оболонський: \d+$/.test(t.trim())), `district circles are labelled with name and count (${districtLabels.slice(0, 3).join(", ")})`);
  check(await page.locator("#map-note").getByText("центрах районів").isVisible().catch(() => false), "the map explains the district generalisation");
  await axe("appeals");
  await shot("appeals");
  await visit("/en/appeals/", "appeals-en-map");
  await page.waitForSelector("#appeals-map path.district", { timeout: 10000 }).catch(() => null);
  const englishLabels = await page.locator(".district-label").allInnerTexts();
  check(englishLabels.some((t) => /^Obolonskyi: \d+$/.test(t.trim())), `English district labels (${englishLabels.slice(0, 3).join(", ")})`);

  // Dataset page: preview table and schema.
  await visit("/datasets/digital-kyiv-2024-2025/", "dataset");
  const previewRows = await page.locator("table.preview tbody tr").count();
  check(previewRows > 0, `preview table rows visible (${previewRows})`);
  check(await page.locator("table.schema").first().isVisible(), "schema table visible");
  // The browsable table over the rows API: it filters, sorts and pages, and the page URL
  // keeps its state (a reload shows the same rows).
  const kpis = page.locator('.explorer[data-resource="kpis"]');
  const kpiStatus = kpis.locator(".explorer-status");
  const statusSays = (text) => kpiStatus.filter({ hasText: text }).waitFor({ timeout: 10000 }).then(() => true).catch(() => false);
  check(await statusSays("1–25 з 61"), `the KPI table reads the rows API (${await kpiStatus.innerText()})`);
  check((await kpis.locator("tbody tr").count()) === 25, "and shows a page of 25 rows");
  await kpis.locator("select[name=column]").selectOption({ label: "Назва показника" });
  await kpis.locator("input[name=value]").fill("систем");
  await kpis.locator("button[type=submit]").click();
  check(await statusSays("з 10"), `filtering «систем» in the indicator names leaves 10 rows (${await kpiStatus.innerText()})`);
  const filtered = await kpis.locator("tbody tr").allInnerTexts();
  check(filtered.length === 10 && filtered.every((t) => t.toLowerCase().includes("систем")), "every row shown matches the filter");
  check(page.url().includes("kpis.filter=indicator__contains"), `the filter is kept in the page URL (${page.url()})`);
  await kpis.locator("button[type=reset]").click();
  check(await statusSays("1–25 з 61"), "reset shows every row again");
  const sortButton = kpis.locator("thead th button.sort", { hasText: "2025" });
  await sortButton.click();
  await sortButton.click();
  await kpis.locator('thead th[aria-sort="descending"]').waitFor({ timeout: 10000 }).catch(() => null);
  const firstSorted = await kpis.locator("tbody tr").first().innerText();
  check(firstSorted.includes("771\u00a0640"), `sorting by the 2025 value, largest first, starts with 771 640 (${firstSorted.slice(0, 80)})`);
  await kpis.locator(".explorer-next").click();
  check(await statusSays("26–50 з 61"), "the next page shows rows 26–50");
  await page.reload({ waitUntil: "load" });
  check(await statusSays("26–50 з 61"), "after a reload the URL brings back the same page");
  check((await kpis.locator('thead th[aria-sort="descending"]').count()) === 1, "and the same sort order");
  await page.goto(base + "/datasets/digital-kyiv-2024-2025/", { waitUntil: "load" });
  await axe("dataset");
  await shot("dataset");

  // Language switch.
  await page.locator(".lang-switch a").first().click();
  await page.waitForLoadState("load");
  check(page.url() === `${base}/en/datasets/digital-kyiv-2024-2025/`, `language switch leads to ${page.url()}`);
  check((await page.locator("html").getAttribute("lang")) === "en", "English page has lang=en");
  await axe("dataset-en");
  await shot("dataset-en");

  await visit("/datasets/", "catalogue");
  await page.selectOption("select[name=topic]", "budget");
  const shown = await page.locator("#catalogue .catalogue-item:visible").count();
  const all = await page.locator("#catalogue .catalogue-item").count();
  check(shown > 0 && shown < all, `topic filter narrows the catalogue (${shown}/${all})`);
  await page.selectOption("select[name=topic]", "");
  await page.fill("input[data-text-filter]", "1551");
  const typed = await page.locator("#catalogue .catalogue-item:visible h2").allInnerTexts();
  check(typed.length > 0 && typed.length < all && typed.every((t) => t.includes("1551")),
    `typing "1551" narrows the catalogue to ${JSON.stringify(typed)}`);
  check((await page.locator("#catalogue .formats .badge", { hasText: "CSV" }).count()) > 0, "catalogue shows CSV format badges");
  check(page.url().includes("text=1551"), `the catalogue filter is kept in the page URL (${page.url()})`);
  await page.reload({ waitUntil: "load" });
  const reloaded = await page.locator("#catalogue .catalogue-item:visible h2").allInnerTexts();
  check(reloaded.length === typed.length && (await page.inputValue("input[data-text-filter]")) === "1551", "after a reload the URL brings the filter back");
  await page.fill("input[data-text-filter]", "");
  await axe("catalogue");
  await shot("catalogue");

  await visit("/register/", "register");
  check((await page.locator("table.register tbody tr").count()) > 0, "register rows listed");
  await axe("register");
  await shot("register");
  await visit("/register/kmr-2011-12-15-824-7060/", "document");
  check(await page.getByText("824/7060").first().isVisible(), "document number shown");
  await axe("document");

  // Search: real result links (each opening a page), highlighted snippets, facet filters
  // with human labels, paging — in both languages.
  async function searchFor(path, query, name) {
    await visit(path, name);
    await page.fill("#q", query);
    await page.click("#search-form button");
    await page.waitForSelector("#search-results .hits a.hit-title, #search-results .search-error", { timeout: 10000 }).catch(() => null);
    return page.locator("#search-results .hits a.hit-title").evaluateAll((as) =>
      as.map((a) => ({ href: a.getAttribute("href"), text: a.textContent.trim() })));
  }
  async function allOpen(links, what) {
    const bad = [];
    for (const l of links) {
      const r = await page.request.get(base + l.href);
      if (r.status() !== 200) bad.push(`${l.href} → ${r.status()}`);
    }
    check(bad.length === 0, `${what}: every result link opens (${bad.join(", ")})`);
  }
  let links = await searchFor("/search/", "бюджет", "search");
  check(links.length > 0, `search «бюджет» lists result links (${links.length})`);
  check(links.every((l) => l.text.length > 0 && l.href.startsWith("/") && !l.href.includes("#")), "every result has a title and a page URL");
  await allOpen(links, "«бюджет»");
  check((await page.locator("#search-results .snippet mark").count()) > 0, "snippets highlight the matched words");
  const legends = await page.locator("#search-facets legend").allInnerTexts();
  check(legends.length > 0 && legends.every((t) => !/^(type|year|dataset|category|language)$/.test(t)), `facet names are labelled (${legends.join(", ")})`);
  const facetText = (await page.locator("#search-facets").innerText());
  check(!/\b(measure|kpi|dataset|document|budget|uk)\b \(/.test(facetText), "facet values are labelled, not codes");
  check(await page.locator("#search-facets label", { hasText: "Захід програми" }).first().isVisible(), "type facet shows «Захід програми»");
  await page.locator("#search-facets label", { hasText: "Захід програми" }).first().click();
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll("#search-results .hits li")];
    return items.length > 0 && items.every((li) => li.classList.contains("hit-measure"));
  }, null, { timeout: 10000 }).catch(() => null);
  const kinds = await page.locator("#search-results .hits li").evaluateAll((lis) => lis.map((li) => li.className));
  check(kinds.length > 0 && kinds.every((k) => k.includes("hit-measure")), `type filter keeps only measures (${kinds.length})`);
  check(page.url().includes("type=measure"), "the filter is kept in the page URL");
  await axe("search");
  await shot("search");
  // Paging: a broad query has more hits than one page.
  links = await searchFor("/search/", "програма OR захід OR показник OR рішення", "search-paging");
  const firstPage = links.map((l) => l.href + l.text).join("|");
  const next = page.locator("#search-results .pager-next");
  check(await next.isVisible(), "a broad query offers the next page");
  if (await next.isVisible()) {
    await next.click();
    await page.waitForFunction((before) => {
      const now = [...document.querySelectorAll("#search-results .hits a.hit-title")].map((a) => a.getAttribute("href") + a.textContent.trim()).join("|");
      return now && now !== before;
    }, firstPage, { timeout: 10000 }).catch(() => null);
    const second = await page.locator("#search-results .hits a.hit-title").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    check(second.length > 0 && (await page.locator("#search-results .hits").getAttribute("start")) === "21", `the next page shows hits 21– (${second.length})`);
    check(await page.locator("#search-results .pager-previous").isVisible(), "and a previous-page button");
  }
  links = await searchFor("/en/search/", "programme", "search-en");
  check(links.length > 0 && links.every((l) => l.href.startsWith("/en/")), `English search lists English result links (${links.length})`);
  await allOpen(links, "«programme»");
  await axe("search-en");
  await shot("search-en");

  await visit("/", "home-search");
  check(await page.locator("main form[role=search] input[name=q]").isVisible(), "the home page has a search box");
  check(await page.locator(".headline-figures").getByText("6\u00a0704\u00a0931,1").first().isVisible(), "the home page gives each programme's headline figure");
  const newest = await page.locator(".newest-documents li a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  check(newest.length > 0 && newest.every((h) => h.startsWith("/register/")), `the home page lists the newest register documents (${newest.length})`);
  for (const [path, name] of [["/", "home"], ["/en/", "home-en"], ["/about/", "about"], ["/developers/", "developers"], ["/en/appeals/", "appeals-en"],
    ["/en/budget/", "budget-en"], ["/en/budget/digital-kyiv-2024-2025/", "budget-digital-kyiv-en"], ["/en/budget/digital-kyiv-2024-2025/2-1/", "measure-en"],
    ["/en/register/", "register-en"], ["/en/register/kmr-2011-12-15-824-7060/", "document-en"], ["/datasets/kyiv-1551-appeals-by-channel/", "dataset-1551"],
    ["/datasets/kyiv-document-registration/", "dataset-registration"], ["/datasets/kyiv-it-audit-2010-2011/", "dataset-it-audit"],
    ["/appeals/a00000000/", "appeal"], ["/en/appeals/a00000000/", "appeal-en"], ["/budget/kyiv-egov-2015-2018/3/", "measure-cost-only"]]) {
    await visit(path, name);
    await axe(name);
    await shot(name);
  }
  // A missing page says so in the language of the address it was asked for.
  for (const [path, lang, heading] of [["/datasets/no-such-dataset/", "uk", "Сторінку не знайдено"], ["/en/datasets/no-such-dataset/", "en", "Page not found"]]) {
    console.log(`\n${path}`);
    const response = await page.goto(base + path, { waitUntil: "load" });
    check(response && response.status() === 404, `${path} answers 404`);
    check((await page.locator("html").getAttribute("lang")) === lang, `${path}: the 404 page is in ${lang}`);
    check(await page.locator("main h1", { hasText: heading }).isVisible().catch(() => false), `${path}: it says «${heading}»`);
    await noKeys(path);
    await shot(`404-${lang}`);
  }
  // Keyboard: the skip link is the first focusable element.
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.classList.contains("skip-link")), "first Tab reaches the skip link");
  check(consoleErrors.length === 0, `no script errors (${consoleErrors.join("; ")})`);

  // Last, with the service stopped: the search page says so instead of showing nothing.
  await visit("/search/", "search-down");
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await page.fill("#q", "бюджет");
  await page.click("#search-form button");
  await page.waitForSelector("#search-results .search-error", { timeout: 10000 }).catch(() => null);
  const down = (await page.locator("#search-results").innerText()).trim();
  check(down.includes("недоступний"), `with the service stopped the page says «${down.slice(0, 60)}»`);
  console.log(`\n(${blocked} off-host requests blocked)`);
} catch (e) {
  failures.push(String(e && e.stack || e));
  console.error(e);
} finally {
  if (context) await context.close();
  server.kill("SIGTERM");
  rmSync(profile, { recursive: true, force: true });
}
console.log(`\nscreenshots in ${artifacts}`);
if (failures.length) {
  console.log(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log("browser tests passed");
