// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// Chat throughput and latency, for bench/cluster.sh: SENDERS members on one host say
// MESSAGES messages each in room "bench" (at most WINDOW of a sender's own not yet seen
// back), READERS members on another host (or the same one) read them. Prints
//   RESULT delivered_per_s=N p50_ms=X p99_ms=Y messages=M
// where delivered_per_s counts every reader's copy. Uses node's ws from tests/browser.
//   node bench/chatcluster.mjs SENDER_PORT READER_PORT SENDERS READERS MESSAGES [WINDOW]
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "browser", "package.json"));
const WebSocket = require("ws");

const [senderPort, readerPort, senders, readers, messages, window = "16"] = process.argv.slice(2).map(Number);
if (!senderPort || !readerPort || !senders || !readers || !messages) {
    console.error("usage: node chatcluster.mjs SENDER_PORT READER_PORT SENDERS READERS MESSAGES [WINDOW]");
    process.exit(2);
}
const room = "bench";
const expected = senders * messages;

function member(port, nick, onMessage) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
        ws.on("error", reject);
        ws.on("message", (data) => {
            const event = JSON.parse(data.toString());
            if (event.type === "joined" && event.self)
                resolve(ws);
            else if (event.type === "message")
                onMessage(event);
            else if (event.type === "error")
                console.error(`${nick}: ${event.code} ${event.message}`);
        });
        ws.on("open", () => ws.send(JSON.stringify({ type: "join", room, nick })));
    });
}

const latencies = [];
let delivered = 0;
let finish;
const done = new Promise((resolve) => { finish = resolve; });
const readerCounts = new Array(readers).fill(0);
for (let i = 0; i < readers; ++i) {
    await member(readerPort, `r${i}`, (event) => {
        latencies.push(Number(process.hrtime.bigint() / 1000n) - Number(event.text.split(" ")[1]));
        ++delivered;
        if (++readerCounts[i] === expected && readerCounts.every((n) => n === expected))
            finish();
    });
}
const start = process.hrtime.bigint();
for (let i = 0; i < senders; ++i) {
    let sent = 0;
    let seen = 0;
    const nick = `s${i}`;
    const ws = await member(senderPort, nick, (event) => {
        if (event.from !== nick)
            return;
        ++seen;
        pump();
    });
    function pump() {
        while (sent < messages && sent - seen < window) {
            ws.send(JSON.stringify({ type: "say", room, text: `${nick} ${Number(process.hrtime.bigint() / 1000n)}` }));
            ++sent;
        }
    }
    pump();
}
const timeout = setTimeout(() => finish(), 60000);
await done;
clearTimeout(timeout);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
latencies.sort((a, b) => a - b);
const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] / 1000 : NaN);
console.log(`RESULT delivered_per_s=${Math.round(delivered / seconds)} p50_ms=${at(0.5).toFixed(2)} p99_ms=${at(0.99).toFixed(2)} ` +
            `messages=${delivered} of ${expected * readers}`);
process.exit(delivered === expected * readers ? 0 : 1);
