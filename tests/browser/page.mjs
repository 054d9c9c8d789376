// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// The classroom page (GET /) in headless Chromium against a real host:
//   node page.mjs PORT [SCREENSHOT.png]
// Exits 0 when every step worked, 1 with the failing step on stderr.
import { chromium } from "playwright-core";

const port = process.argv[2];
const screenshot = process.argv[3];
const base = `http://127.0.0.1:${port}`;

// Chromium as Debian ships it, headless, with nothing reaching outside this machine.
const browser = await chromium.launch({
    executablePath: process.env.WSPLUG_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
});
let step = "start";
try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

    step = "the link connects at once";
    await page.goto(`${base}/?connect=/echo`);
    await page.waitForFunction(() => document.getElementById("state").textContent === "open", null, { timeout: 10000 });
    const url = await page.inputValue("#url");
    if (url !== `ws://127.0.0.1:${port}/echo`)
        throw new Error(`URL field shows ${url}`);

    step = "text goes out and comes back";
    await page.fill("#message", "hello, ünïcode 👋");
    await page.click("#sendText");
    await page.waitForSelector("#log li.in pre:text-is('hello, ünïcode 👋')", { timeout: 5000 });
    const inMeta = await page.textContent("#log li.in .meta");
    if (!inMeta.includes("text, 21 bytes"))
        throw new Error(`the echo is described as "${inMeta}"`);

    step = "Ctrl+Enter sends";
    await page.fill("#message", "by keyboard");
    await page.press("#message", "Control+Enter");
    await page.waitForSelector("#log li.in pre:text-is('by keyboard')", { timeout: 5000 });

    step = "binary from hex goes out and comes back";
    await page.check("#hex");
    await page.fill("#message", "01 ff 7a 00");
    await page.click("#sendBinary");
    await page.waitForSelector("#log li.in pre:text-is('01 ff 7a 00')", { timeout: 5000 });

    step = "the close code and reason are shown";
    await page.fill("#code", "4001");
    await page.fill("#reason", "class is over");
    await page.click("#close");
    await page.waitForFunction(() => document.getElementById("state").textContent === "closed 4001", null, { timeout: 5000 });
    const closeLine = await page.textContent("#log li.event");
    if (!closeLine.includes("closed 4001 \u201cclass is over\u201d"))
        throw new Error(`the close is shown as "${closeLine}"`);
    if (screenshot)
        await page.screenshot({ path: screenshot, fullPage: true });

    step = "another route from the same page";
    await page.fill("#url", `ws://127.0.0.1:${port}/chat`);
    await page.click("#connect");
    await page.waitForFunction(() => document.getElementById("state").textContent === "open", null, { timeout: 5000 });
    await page.click("#connect");   // disconnects
    await page.waitForFunction(() => document.getElementById("state").textContent.startsWith("closed"), null, { timeout: 5000 });

    step = "polling only: the same echo over Engine.IO long-polling";
    await page.goto(`${base}/?connect=/echo&transport=polling`);
    await page.waitForFunction(() => document.getElementById("state").textContent === "open", null, { timeout: 10000 });
    const openLine = await page.textContent("#log li.event");
    if (!openLine.includes("Engine.IO polling, sid "))
        throw new Error(`the polling open is shown as "${openLine}"`);
    await page.fill("#message", "over polling, ünïcode 👋");
    await page.click("#sendText");
    await page.waitForSelector("#log li.in pre:text-is('over polling, ünïcode 👋')", { timeout: 5000 });
    await page.check("#hex");
    await page.fill("#message", "00 1e ff");
    await page.click("#sendBinary");
    await page.waitForSelector("#log li.in pre:text-is('00 1e ff')", { timeout: 5000 });
    await page.uncheck("#hex");
    await page.fill("#code", "1000");
    await page.fill("#reason", "");
    await page.click("#close");
    await page.waitForFunction(() => document.getElementById("state").textContent === "closed 1000", null, { timeout: 5000 });

    step = "a route nobody serves";
    await page.goto(`${base}/?connect=/nowhere`);
    await page.waitForFunction(() => document.getElementById("state").textContent === "closed 1006", null, { timeout: 10000 });

    const unexpected = errors.filter((e) => !e.includes("/nowhere"));
    if (unexpected.length)
        throw new Error(`errors in the page: ${unexpected.join("; ")}`);
    console.log("page: every step passed");
    await browser.close();
    process.exit(0);
} catch (e) {
    console.error(`page: step "${step}" failed: ${e.message}`);
    await browser.close();
    process.exit(1);
}
