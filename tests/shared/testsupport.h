// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>

#include <QByteArray>
#include <QProcess>
#include <QTcpSocket>
#include <QUrl>
#include <QWebSocket>

#include <memory>
#include <optional>

namespace WsPlug {
class HostServer;
}

namespace WsPlug::Test {

//! A config for tests: loopback, ephemeral port, the build's plugins, quiet heartbeats.
HostConfig testConfig();

//! A HostServer started with \a config, or nullptr if it did not start.
std::unique_ptr<HostServer> startedHost(const HostConfig &config = testConfig());

//! Empty when node, Debian's chromium (or $WSPLUG_CHROMIUM) and tests/browser's npm
//! packages are all there; else what is missing. The browser tests skip on it, or fail
//! where tests/run-all.sh asks for them (WSPLUG_REQUIRE_BROWSER=1).
QString missingBrowserPeers(const QString &browserTestsDir);

//! Debian's python3, which has python3-websockets (the python3 on PATH may not).
inline constexpr char DebianPython[] = "/usr/bin/python3";
//! Empty when DebianPython can import websockets; else what is missing.
QString missingPythonWebsockets();

//! Skips the test when \a missing (a missing...() answer) is not empty, or fails it
//! where tests/run-all.sh asks for every peer (WSPLUG_REQUIRE_BROWSER=1).
#define WSPLUG_REQUIRE_PEERS(missing)                                                      \
    do {                                                                                   \
        const QString wsplugMissing = (missing);                                           \
        if (!wsplugMissing.isEmpty()) {                                                    \
            const QString wsplugWhy = wsplugMissing + QStringLiteral(" missing (tests/run-all.sh installs them)"); \
            if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))                    \
                QFAIL(qPrintable(wsplugWhy));                                              \
            QSKIP(qPrintable(wsplugWhy));                                                  \
        }                                                                                  \
    } while (false)

//! A WebSocket URL on the host under test.
QUrl wsUrl(quint16 port, const QString &pathAndQuery);

//! A free TCP port on the loopback (free a moment ago, at least: whoever binds it next
//! may lose it to another process in between).
quint16 freePort();

//! Starts \a program (a wsplug-host) with \a args and waits up to 10 s for its
//! "listening on ws[s]://ADDRESS:PORT" line: the port, or 0. What it printed so far goes
//! to \a stdoutSeen. The process is the caller's to stop.
quint16 startHostProgram(QProcess &process, const QString &program, const QStringList &args,
                         QByteArray *stdoutSeen = nullptr);

//! Runs \a program with \a args (in \a dir, if given) to its end, at most 120 s, while a
//! host on this thread keeps serving (the event loop runs): what it
//! printed, stdout and stderr merged, with "exit code N" after it when N is not 0.
QByteArray runProgram(const QString &program, const QStringList &args, const QString &dir = {});

//! A valid RFC 6455 client handshake for \a path, with \a extraHeaders ("Name: value\r\n"...).
QByteArray handshakeRequest(const QString &path, const QByteArray &extraHeaders = {});

//! Connects a raw TCP socket to 127.0.0.1:\a port; QVERIFY-style failure returns false.
bool connectRaw(QTcpSocket &socket, quint16 port);

//! A raw TCP connection upgraded to WebSocket on \a path; false unless the host answered 101.
bool upgradeRaw(QTcpSocket &socket, quint16 port, const QString &path = QStringLiteral("/echo"));

//! A connected QWebSocket client on \a path, or nullptr after 5 s.
std::unique_ptr<QWebSocket> openClient(quint16 port, const QString &path = QStringLiteral("/echo"));

//! Reads until the response head ("\r\n\r\n") has arrived, or the timeout; returns the head.
QByteArray readResponseHead(QTcpSocket &socket, int timeoutMs = 5000);

//! The status code of an HTTP response head, or -1.
int statusCode(const QByteArray &responseHead);

//! Sends \a request on a fresh connection and returns the response head.
QByteArray rawRequest(quint16 port, const QByteArray &request, int timeoutMs = 5000);

//! A client frame: masked, as RFC 6455 5.3 requires.
QByteArray clientFrame(int opcode, const QByteArray &payload, bool fin = true, bool masked = true,
                       int rsv = 0);

//! A client frame whose payload (under 126 bytes) has its length in the 2-byte form,
//! which RFC 6455 5.2 forbids ("the minimal number of bytes MUST be used").
QByteArray clientFrameWithLongLength(int opcode, const QByteArray &payload, bool fin = true, bool masked = true);

//! Raw deflate of \a data with the 00 00 ff ff tail taken off, as a permessage-deflate
//! client compresses a message (RFC 7692 7.2.1); \a level as zlib's (-1: its default).
QByteArray deflateMessage(const QByteArray &data, int level = -1);

//! The payload of a close frame: \a code (big-endian) then \a reason.
QByteArray closePayload(quint16 code, const QByteArray &reason = {});

//! Sec-WebSocket-Accept for \a key (RFC 6455 4.2.2: SHA-1 of key + GUID, base64).
QByteArray acceptFor(const QByteArray &key);

//! Open file descriptors of this process (from /proc/self/fd).
int openFdCount();

struct Frame
{
    bool fin = false;
    int opcode = -1;
    QByteArray payload;
};

//! The code of a close frame, or -1 if it has none.
int closeCodeOf(const Frame &frame);

//! Takes one complete (unmasked, server) frame off the front of \a buffer, if there is one.
std::optional<Frame> takeFrame(QByteArray &buffer);

//! Reads frames from \a socket into \a buffer until one arrives or the timeout.
std::optional<Frame> readFrame(QTcpSocket &socket, QByteArray &buffer, int timeoutMs = 5000);

//! True once \a socket is disconnected (waiting at most \a timeoutMs). It reads while it
//! waits (a full buffer would hide the end of the connection); what it read, and what
//! is left after the end, is appended to \a received if given, else thrown away.
bool waitForDisconnect(QTcpSocket &socket, int timeoutMs = 5000, QByteArray *received = nullptr);

} // namespace WsPlug::Test
