// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// Echo over Engine.IO polling beside Engine.IO's WebSocket and a plain WebSocket, from
// one node client each (the npm packages of tests/browser: npm ci there first):
//   node bench/engineio/eiobench.mjs PORT [SECONDS]
// For each transport: round-trip latency of one message at a time (p50, p99 over 500),
// then echo throughput with 100 messages in flight for SECONDS (default 3). All three
// clients are node, so the figures compare transports, not client libraries.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tests", "browser", "package.json"));
const { Socket } = require("engine.io-client");
const WebSocket = require("ws");

const port = process.argv[2];
const seconds = Number(process.argv[3] || 3);
const payload = "x".repeat(32);

// A transport as two functions: send(text) and onMessage(callback).
async function engineIo(transports) {
    const socket = new Socket(`http://127.0.0.1:${port}`, { path: "/echo/engine.io/", transports });
    await new Promise((resolve, reject) => { socket.on("open", resolve); socket.on("error", reject); });
    return { send: (t) => socket.send(t), onMessage: (f) => socket.on("message", f), close: () => socket.close(),
             name: () => socket.transport.name };
}

async function plainWs() {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    await new Promise((resolve, reject) => { ws.on("open", resolve); ws.on("error", reject); });
    return { send: (t) => ws.send(t), onMessage: (f) => ws.on("message", (d) => f(d.toString())),
             close: () => ws.close(), name: () => "websocket" };
}

async function measure(label, client) {
    let waiting = null;
    let received = 0;
    client.onMessage(() => { ++received; if (waiting) waiting(); });
    const rtts = [];
    for (let i = 0; i < 500; ++i) {
        const start = process.hrtime.bigint();
        await new Promise((resolve) => { waiting = resolve; client.send(payload); });
        rtts.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    waiting = null;
    rtts.sort((a, b) => a - b);
    const p = (q) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))].toFixed(3);

    const window = 100;
    received = 0;
    let sent = 0;
    const end = Date.now() + seconds * 1000;
    await new Promise((resolve) => {
        waiting = () => {
            if (Date.now() >= end) { if (received >= sent) resolve(); return; }
            while (sent - received < window) { client.send(payload); ++sent; }
        };
        while (sent < window) { client.send(payload); ++sent; }
    });
    const rate = Math.round(received / seconds);
    console.log(`${label.padEnd(28)} p50 ${p(0.5).padStart(7)} ms  p99 ${p(0.99).padStart(7)} ms  ${String(rate).padStart(7)} msgs/s echoed (transport ${client.name()})`);
    client.close();
}

await measure("Engine.IO polling", await engineIo(["polling"]));
await measure("Engine.IO websocket", await engineIo(["websocket"]));
await measure("plain WebSocket (ws)", await plainWs());
process.exit(0);
