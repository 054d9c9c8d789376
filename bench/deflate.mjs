// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// permessage-deflate's price and gain on /echo: node ws clients echo a compressible
// 16 KiB JSON message (a window of messages in flight on each connection) and count
// the bytes that crossed the TCP connections both ways, headers included:
//   node bench/deflate.mjs PORT on|off [SECONDS=5] [CONNECTIONS=4] [WINDOW=4] [HOST_PID]
// "on" offers the extension (the host must run with --deflate on to accept it).
// Prints one line: messages/s echoed, wire bytes per message each way and, given the
// host's pid, the host's CPU time per message (from /proc; node's own zlib is the
// bound on messages/s when it compresses, so this is the host's figure to compare).
import { readFileSync } from "fs";
import { createRequire } from "module";

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const WebSocket = require("ws");

const [port, mode = "on", seconds = "5", connections = "4", window = "4", hostPid] = process.argv.slice(2);
// utime + stime in clock ticks (fields 14 and 15; 100 a second on Linux).
const hostTicks = () => hostPid ? readFileSync(`/proc/${hostPid}/stat`, "utf8").split(") ")[1].split(" ").slice(11, 13)
    .reduce((a, b) => a + Number(b), 0) : 0;
const offer = mode === "on";
// Valid JSON of exactly 16 KiB: readings, padded with trailing whitespace.
const readings = [];
for (let i = 0; JSON.stringify(readings).length < 16 * 1024 - 100; ++i)
    readings.push({ id: i, name: `sensor-${i % 16}`, kind: "temperature", unit: "celsius", value: (i * 7) % 97 });
const json = JSON.stringify(readings).padEnd(16 * 1024, " ");

let echoed = 0;
let counting = false;
const sockets = [];
await Promise.all(Array.from({ length: Number(connections) }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: offer ? { threshold: 0 } : false });
    ws.on("open", () => {
        if (offer !== /permessage-deflate/.test(String(ws.extensions)))
            reject(new Error(`extension ${offer ? "not negotiated" : "negotiated"}: ${ws.extensions}`));
        sockets.push(ws);
        for (let i = 0; i < Number(window); ++i)
            ws.send(json);
        resolve();
    });
    ws.on("message", () => {
        if (counting)
            ++echoed;
        ws.send(json);
    });
    ws.on("error", reject);
})));
await new Promise((r) => setTimeout(r, 500));   // warm-up
const start = () => sockets.map((ws) => [ws._socket.bytesWritten, ws._socket.bytesRead]);
const before = start();
const ticksBefore = hostTicks();
counting = true;
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
counting = false;
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
const after = start();
const hostCpu = hostPid ? `, host CPU ${Math.round((hostTicks() - ticksBefore) * 1e4 / echoed)} us per message` : "";
let up = 0;
let down = 0;
after.forEach(([w, r], i) => { up += w - before[i][0]; down += r - before[i][1]; });
console.log(`deflate ${mode}: ${Math.round(echoed / elapsed)} msgs/s, ${json.length} B messages, `
    + `wire bytes per message client->host ${Math.round(up / echoed)}, host->client ${Math.round(down / echoed)}${hostCpu}`);
for (const ws of sockets)
    ws.terminate();
process.exit(0);
