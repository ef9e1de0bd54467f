// Opens artist2vec map pages in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) and checks them.
//
//   node map_check.mjs check PAGE.html              loads with no console error and no network
//                                                   request; hovering an artist shows its name;
//                                                   searching a name selects and centres it
//   node map_check.mjs perf PAGE.html               frame times while panning and zooming
//   node map_check.mjs shot PAGE.html OUT.png [W H] [NAME]   a screenshot (NAME: search it first)
//
// Prints one JSON line with the results; exits 1 on a failed check.
// Environment: A2V_NODE_MODULES (where playwright-core is installed), A2V_CHROMIUM (default
// /usr/bin/chromium).
import { createRequire } from "module";
import fs from "fs";
import os from "os";
import path from "path";

const require = createRequire(path.join(process.env.A2V_NODE_MODULES || ".", "noop.js"));
const { chromium } = require("playwright-core");

const [mode, page0, ...rest] = process.argv.slice(2);
const executablePath = process.env.A2V_CHROMIUM || "/usr/bin/chromium";
const flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function fail(msg, extra = {}) {
  console.log(JSON.stringify({ ok: false, mode, error: msg, ...extra }));
  process.exitCode = 1;
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "a2v-chromium-"));
let width = 1280, height = 800;
if (mode === "shot" && rest.length >= 3) { width = +rest[1]; height = +rest[2]; }
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true, args: flags, viewport: { width, height }, deviceScaleFactor: 1,
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const errors = [], remote = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    remote.push(url);
    return route.abort();
  });
  const url = "file://" + path.resolve(page0);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.a2vMap && window.a2vMap.ready, null, { timeout: 30000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const loadMs = Date.now() - t0;
  const n = await page.evaluate(() => window.a2vMap.n);

  if (mode === "check") {
    // The most played artist is drawn on top: hover its centre.
    const k = await page.evaluate(() => {
      const m = window.a2vMap, W = innerWidth, H = innerHeight;
      for (let i = 0; i < m.n; i++) {
        const [x, y] = m.screenOf(i);
        if (x > 300 && y > 20 && x < W - 200 && y < H - 20) return i;
      }
      return 0;
    });
    const [x, y] = await page.evaluate((k) => window.a2vMap.screenOf(k), k);
    await page.mouse.move(x - 40, y - 40);
    await page.mouse.move(x, y, { steps: 4 });
    await page.waitForTimeout(50);
    const hovered = await page.evaluate(() => window.a2vMap.hovered());
    const tip = await page.evaluate(() => {
      const t = document.getElementById("tooltip");
      return t.style.display === "none" ? "" : t.textContent;
    });
    const name = await page.evaluate((h) => (h >= 0 ? JSON.parse(document.getElementById("a2v-data").textContent).names[h] : null), hovered);
    // Search: type the name of another artist, take the first match.
    const target = await page.evaluate(() => {
      const d = JSON.parse(document.getElementById("a2v-data").textContent);
      return d.names[d.order[Math.min(d.order.length - 1, 5)]];
    });
    await page.fill("#search", target);
    await page.press("#search", "Enter");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    const sel = await page.evaluate(() => window.a2vMap.selected());
    const selName = await page.evaluate((s) => (s >= 0 ? JSON.parse(document.getElementById("a2v-data").textContent).names[s] : null), sel);
    const [cx, cy] = sel >= 0 ? await page.evaluate((s) => window.a2vMap.screenOf(s), sel) : [NaN, NaN];
    const result = { ok: true, mode, n, loadMs, hovered, hoveredName: name, tooltip: tip, searched: target, selectedName: selName, selectedAt: [cx, cy], consoleErrors: errors, remoteRequests: remote };
    if (errors.length) fail("console errors: " + errors.join(" | "), result);
    else if (remote.length) fail("the page requested " + remote.join(", "), result);
    else if (hovered < 0 || !name || !tip.includes(name)) fail(`hovering (${x}, ${y}) shows ${JSON.stringify(tip)}, expected the artist's name`, result);
    else if (selName !== target) fail(`searching ${JSON.stringify(target)} selected ${JSON.stringify(selName)}`, result);
    else if (Math.abs(cx - width / 2) > 2 || Math.abs(cy - height / 2) > 2) fail(`the searched artist is at (${cx}, ${cy}), not centred`, result);
    else console.log(JSON.stringify(result));
  } else if (mode === "perf") {
    // Pan (drag) and zoom (wheel) for 160 frames, each step waiting for the next frame.
    await page.evaluate(() => { window.a2vMap.frames.length = 0; window.__rafTimes = []; const tick = (t) => { window.__rafTimes.push(t); if (!window.__stopRaf) requestAnimationFrame(tick); }; requestAnimationFrame(tick); });
    const next = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    const cx = width / 2, cy = height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 0; i < 80; i++) {
      await page.mouse.move(cx + 200 * Math.sin(i / 10), cy + 150 * Math.cos(i / 13));
      await next();
    }
    await page.mouse.up();
    for (let i = 0; i < 80; i++) {
      await page.mouse.wheel(0, i < 40 ? -60 : 60);
      await next();
    }
    const { draws, raf } = await page.evaluate(() => { window.__stopRaf = true; return { draws: Array.from(window.a2vMap.frames), raf: window.__rafTimes }; });
    const q = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
    const gaps = raf.slice(1).map((t, i) => t - raf[i]);
    const result = {
      ok: true, mode, n, loadMs, frames: draws.length,
      drawMsMedian: +q(draws, 0.5).toFixed(2), drawMsP95: +q(draws, 0.95).toFixed(2), drawMsMax: +Math.max(...draws).toFixed(2),
      frameIntervalMsMedian: +q(gaps, 0.5).toFixed(2), frameIntervalMsP95: +q(gaps, 0.95).toFixed(2),
      consoleErrors: errors,
    };
    if (errors.length) fail("console errors: " + errors.join(" | "), result);
    else if (draws.length < 80) fail(`only ${draws.length} frames were drawn for 160 pan/zoom steps`, result);
    else console.log(JSON.stringify(result));
  } else if (mode === "shot") {
    const [out, , , name] = rest;
    if (name) { await page.fill("#search", name); await page.press("#search", "Enter"); await page.evaluate(() => { window.a2vMap.view.s /= 3; window.a2vMap.view.tx = innerWidth / 2 - (innerWidth / 2 - window.a2vMap.view.tx) / 3; window.a2vMap.view.ty = innerHeight / 2 - (innerHeight / 2 - window.a2vMap.view.ty) / 3; window.a2vMap.redraw(); }); }
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: out });
    console.log(JSON.stringify({ ok: errors.length === 0, mode, n, out, consoleErrors: errors }));
    if (errors.length) process.exitCode = 1;
  } else {
    fail("unknown mode (check, perf, shot)");
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
