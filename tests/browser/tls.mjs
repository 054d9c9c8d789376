// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// wss:// in headless Chromium against a host with a certificate made at test time:
//   node tls.mjs PORT SPKI_SHA256_BASE64
// Chromium trusts exactly that key (--ignore-certificate-errors-spki-list), no other
// certificate error is ignored. Prints "every step passed" and exits 0 when all did.
import { chromium } from "playwright-core";

const [port, spki] = process.argv.slice(2);
const browser = await chromium.launch({
    executablePath: process.env.WSPLUG_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", `--ignore-certificate-errors-spki-list=${spki}`],
});
let failed = false;
try {
    const page = await browser.newPage();
    // The page itself over https: same origin as the sockets.
    const response = await page.goto(`https://localhost:${port}/`);
    console.log(`page ${response.status()}`);
    if (response.status() !== 200) failed = true;
    const echoed = await page.evaluate((url) => new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => ws.send("hello over wss");
        ws.onmessage = (e) => { ws.close(1000); resolve(`echo ${e.data}`); };
        ws.onclose = (e) => resolve(`closed ${e.code}`);
    }), `wss://localhost:${port}/echo`);
    console.log(echoed);
    if (echoed !== "echo hello over wss") failed = true;
} catch (e) {
    console.log(`error ${e.message}`);
    failed = true;
}
await browser.close();
if (!failed) console.log("every step passed");
process.exit(failed ? 1 : 0);
