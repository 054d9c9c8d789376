// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// The unmodified npm engine.io-client (tests/browser/package.json) against the host:
//   node eioclient.mjs SCENARIO PORT
// Prints one line per check ("ok <what>" or "FAIL <what>: <detail>") and exits 0 only
// if every check passed. tst_engineio runs it; the lines end up in its log.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const browserDir = process.env.WSPLUG_BROWSER_TESTS || path.join(here, "..", "..", "browser");
const require = createRequire(path.join(browserDir, "package.json"));
const { Socket } = require("engine.io-client");
const WebSocket = require("ws");

const [scenario, port] = process.argv.slice(2);
let failed = false;
const ok = (what) => console.log(`ok ${what}`);
const fail = (what, detail) => { failed = true; console.log(`FAIL ${what}: ${detail}`); };
const check = (cond, what, detail = "") => (cond ? ok(what) : fail(what, detail));

function open(route, opts = {}) {
    return new Promise((resolve, reject) => {
        const socket = new Socket(`http://127.0.0.1:${port}`, { path: `${route}/engine.io/`, ...opts });
        socket.on("open", () => resolve(socket));
        socket.on("error", (e) => reject(new Error(`${e.message} ${e.description ?? ""}`)));
    });
}

// Resolves with the next `count` messages the socket receives.
function nextMessages(socket, count) {
    return new Promise((resolve) => {
        const got = [];
        const onMessage = (data) => {
            got.push(data);
            if (got.length === count) { socket.off("message", onMessage); resolve(got); }
        };
        socket.on("message", onMessage);
    });
}

async function echoBasics(socket) {
    let reply = nextMessages(socket, 1);
    socket.send("hello, engine.io");
    check((await reply)[0] === "hello, engine.io", "text echoed");

    reply = nextMessages(socket, 1);
    socket.send(Buffer.from([0, 1, 2, 0x1e, 0xff]));
    const bin = (await reply)[0];
    check(Buffer.isBuffer(bin) && bin.equals(Buffer.from([0, 1, 2, 0x1e, 0xff])), "binary echoed",
          `got ${typeof bin} ${bin && bin.length}`);

    const big = "x".repeat(1024 * 1024 - 3) + "end";
    reply = nextMessages(socket, 1);
    socket.send(big);
    const bigBack = (await reply)[0];
    check(bigBack === big, "1 MiB text echoed", `got ${bigBack.length} chars`);

    const bigBin = Buffer.alloc(1024 * 1024, 7);
    reply = nextMessages(socket, 1);
    socket.send(bigBin);
    const bigBinBack = (await reply)[0];
    check(Buffer.isBuffer(bigBinBack) && bigBinBack.equals(bigBin), "1 MiB binary echoed");

    reply = nextMessages(socket, 1000);
    for (let i = 0; i < 1000; ++i)
        socket.send(`m${i}`);
    const many = await reply;
    check(many.every((m, i) => m === `m${i}`), "1000 messages echoed in order",
          `first wrong at ${many.findIndex((m, i) => m !== `m${i}`)}`);
}

const scenarios = {
    async polling() {
        const socket = await open("/echo", { transports: ["polling"] });
        check(socket.transport.name === "polling", "transport is polling", socket.transport.name);
        check(typeof socket.id === "string" && socket.id.length === 20, "sid of 20 characters", socket.id);
        await echoBasics(socket);
        check(socket.transport.name === "polling", "still polling");
        await closeSettled(socket);
    },

    async upgrade() {
        // Messages go out before, during and after the upgrade: every echo must come
        // back once, in order.
        const socket = await open("/echo");
        check(socket.transport.name === "polling", "starts on polling", socket.transport.name);
        const total = 600;
        const reply = nextMessages(socket, total);
        let upgradedAt = -1;
        socket.on("upgrade", () => { upgradedAt = sent; });
        let sent = 0;
        // The first ones go at once: the upgrade starts as the socket opens, and a fast
        // host may finish it within the first interval.
        const sendSome = () => {
            for (let k = 0; k < 6 && sent < total; ++k)
                socket.send(`u${sent++}`);
        };
        sendSome();
        await new Promise((resolve) => {
            const timer = setInterval(() => {
                sendSome();
                if (sent >= total) { clearInterval(timer); resolve(); }
            }, 5);
        });
        const got = await reply;
        check(upgradedAt > 0 && upgradedAt < total, "upgraded while messages were in flight", `at ${upgradedAt}`);
        check(socket.transport.name === "websocket", "now on websocket", socket.transport.name);
        check(got.length === total && got.every((m, i) => m === `u${i}`), "nothing lost or repeated across the upgrade",
              `first wrong at ${got.findIndex((m, i) => m !== `u${i}`)}`);
        await echoBasics(socket);
        console.log(`upgraded-after ${upgradedAt}`);
        await closeSettled(socket);
    },

    async websocket() {
        const socket = await open("/echo", { transports: ["websocket"] });
        check(socket.transport.name === "websocket", "WebSocket only", socket.transport.name);
        await echoBasics(socket);
        await closeSettled(socket);
    },

    async chat() {
        // alice on a plain WebSocket, bob on Engine.IO polling, in one room.
        const alice = new WebSocket(`ws://127.0.0.1:${port}/chat`);
        const aliceGot = [];
        alice.on("message", (d) => aliceGot.push(JSON.parse(d.toString())));
        await new Promise((r, j) => { alice.on("open", r); alice.on("error", j); });
        alice.send(JSON.stringify({ type: "join", room: "lobby", nick: "alice" }));
        const bob = await open("/chat", { transports: ["polling"] });
        const bobGot = [];
        bob.on("message", (d) => bobGot.push(JSON.parse(d)));
        await new Promise((r) => setTimeout(r, 100));
        bob.send(JSON.stringify({ type: "join", room: "lobby", nick: "bob" }));
        await waitFor(() => aliceGot.some((m) => m.type === "joined" && m.nick === "bob"));
        bob.send(JSON.stringify({ type: "say", room: "lobby", text: "hi from polling" }));
        alice.send(JSON.stringify({ type: "say", room: "lobby", text: "hi from websocket" }));
        const said = (list, text) => list.some((m) => m.type === "message" && m.text === text);
        await waitFor(() => said(aliceGot, "hi from polling") && said(bobGot, "hi from websocket"));
        check(said(aliceGot, "hi from polling"), "websocket client got the polling client's message");
        check(said(bobGot, "hi from websocket"), "polling client got the websocket client's message");
        check(bob.transport.name === "polling", "bob stayed on polling");
        await closeSettled(bob);
        await waitFor(() => aliceGot.some((m) => m.type === "left" && m.nick === "bob"));
        check(aliceGot.some((m) => m.type === "left" && m.nick === "bob"), "the polling client's leave was seen");
        alice.close();
    },

    async teach() {
        // The exchange docs/fallback.md shows: open, one message each way on polling,
        // the upgrade, one message on the WebSocket, close.
        const socket = await open("/echo");
        let reply = nextMessages(socket, 1);
        socket.send("hello over polling");
        await reply;
        if (socket.transport.name !== "websocket")
            await new Promise((resolve) => socket.once("upgrade", resolve));
        reply = nextMessages(socket, 1);
        socket.send("hello over the WebSocket");
        await reply;
        check(socket.transport.name === "websocket", "upgraded");
        await closeSettled(socket);
    },

    async stall() {
        // Opens a polling session and reports it; the test then stops this process.
        const socket = await open("/echo", { transports: ["polling"] });
        console.log(`open ${socket.id}`);
        await new Promise(() => {});
    },
};

// Closes \a socket and lets its close packet (a POST, on polling) leave before exiting.
async function closeSettled(socket) {
    socket.close();
    await new Promise((r) => setTimeout(r, 300));
}

async function waitFor(cond, ms = 5000) {
    const start = Date.now();
    while (!cond() && Date.now() - start < ms)
        await new Promise((r) => setTimeout(r, 10));
}

const run = scenarios[scenario];
if (!run) {
    console.log(`FAIL unknown scenario ${scenario}`);
    process.exit(2);
}
const watchdog = setTimeout(() => { fail(scenario, "timed out"); process.exit(1); }, 60000);
try {
    await run();
} catch (e) {
    fail(scenario, e.stack || e);
}
clearTimeout(watchdog);
console.log(failed ? "FAILED" : "PASSED");
process.exit(failed ? 1 : 0);
