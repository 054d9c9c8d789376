// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// Subprotocol negotiation as node's ws and headless Chromium see it:
//   node subprotocols.mjs PORT
// Prints one line per case, "<client> <path> <offered> -> <negotiated>|refused"; exits 0.
import { chromium } from "playwright-core";
import WebSocket from "ws";

const port = process.argv[2];
const cases = [
    ["/chat", ["x.unknown", "wsplug.chat.v1"]],
    ["/chat", []],
    ["/broadcast/news", ["wsplug.broadcast.v1"]],
    ["/chat", ["x.unknown"]],
    ["/echo", ["x.unknown"]],
];

function nodeCase(path, offered) {
    return new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, offered);
        ws.on("open", () => { const p = ws.protocol; ws.close(1000); resolve(p || "none"); });
        ws.on("unexpected-response", (req, res) => resolve(`refused ${res.statusCode}`));
        ws.on("error", (e) => resolve(`error ${e.message}`));
    });
}

for (const [path, offered] of cases)
    console.log(`node ${path} [${offered.join(",")}] -> ${await nodeCase(path, offered)}`);

const browser = await chromium.launch({
    executablePath: process.env.WSPLUG_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${port}/`);   // the host's page: same origin as the sockets
for (const [path, offered] of cases) {
    const result = await page.evaluate(([url, protocols]) => new Promise((resolve) => {
        const ws = new WebSocket(url, protocols);
        ws.onopen = () => { const p = ws.protocol; ws.close(1000); resolve(p || "none"); };
        ws.onclose = (e) => resolve(`refused ${e.code}`);   // a browser sees no status, only 1006
    }), [`ws://127.0.0.1:${port}${path}`, offered]);
    console.log(`chromium ${path} [${offered.join(",")}] -> ${result}`);
}
await browser.close();
