// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// permessage-deflate as node's ws (perMessageDeflate) and headless Chromium see it,
// echoing a compressible JSON message, a short text and incompressible binary on /echo:
//   node deflate.mjs PORT
// Prints "<client> extensions <answer>" and "<client> echo <kind> <true|false>"; exits 0.
import { chromium } from "playwright-core";
import WebSocket from "ws";

const port = process.argv[2];
const url = `ws://127.0.0.1:${port}/echo`;
const json = JSON.stringify(Array.from({ length: 600 }, (_, i) => ({ id: i, name: "sensor", value: i % 97 })));

function nodeCase() {
    return new Promise((resolve) => {
        const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
        const noise = Buffer.from(Array.from({ length: 8192 }, () => Math.floor(Math.random() * 256)));
        const lines = [];
        const queue = [["json", json], ["short", "hi"], ["binary", noise]];
        ws.on("upgrade", (res) => lines.push(`node extensions ${res.headers["sec-websocket-extensions"]}`));
        ws.on("open", () => ws.send(queue[0][1]));
        ws.on("message", (data, isBinary) => {
            const [kind, sent] = queue.shift();
            lines.push(`node echo ${kind} ${isBinary ? Buffer.compare(data, sent) === 0 : data.toString() === sent}`);
            if (queue.length) ws.send(queue[0][1]);
            else ws.close(1000);
        });
        ws.on("close", () => resolve(lines));
        ws.on("error", (e) => { lines.push(`node error ${e.message}`); resolve(lines); });
    });
}

for (const line of await nodeCase())
    console.log(line);

const browser = await chromium.launch({
    executablePath: process.env.WSPLUG_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${port}/`);   // the host's page: same origin as the socket
const lines = await page.evaluate(([url, json]) => new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const noise = new Uint8Array(8192).map(() => Math.floor(Math.random() * 256));
    const queue = [["json", json], ["short", "hi"], ["binary", noise]];
    const lines = [];
    ws.onopen = () => { lines.push(`chromium extensions ${ws.extensions}`); ws.send(queue[0][1]); };
    ws.onmessage = (e) => {
        const [kind, sent] = queue.shift();
        const same = typeof e.data === "string" ? e.data === sent
            : new Uint8Array(e.data).every((b, i) => b === sent[i]) && e.data.byteLength === sent.length;
        lines.push(`chromium echo ${kind} ${same}`);
        if (queue.length) ws.send(queue[0][1]);
        else ws.close(1000);
    };
    ws.onclose = (e) => { lines.push(`chromium closed ${e.code}`); resolve(lines); };
}), [url, json]);
for (const line of lines)
    console.log(line);
await browser.close();
