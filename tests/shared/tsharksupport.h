// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

// Reading pcapng files back with Debian's tshark, for the tests of --capture and of
// the admin channel's recordings.

#include <QFileInfo>
#include <QString>
#include <QStringList>
#include <QTest>

namespace WsPlug::Test {

inline const QString Tshark = QStringLiteral("/usr/bin/tshark");

// tests/run-all.sh installs tshark and asks for it: there, a missing one fails.
#define REQUIRE_TSHARK() \
    do { \
        if (!QFileInfo::exists(WsPlug::Test::Tshark)) { \
            if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER")) \
                QFAIL("/usr/bin/tshark is missing (tests/run-all.sh installs it)"); \
            QSKIP("needs Debian's tshark (apt-get install tshark)"); \
        } \
    } while (false)

//! tshark's standard output for \a arguments; if tshark fails (a bad filter, a file
//! it cannot read to the end), a line that says so, which no comparison accepts. The
//! host under test runs on this thread: its event loop keeps turning while tshark reads.
QByteArray tshark(const QStringList &arguments);

//! One row per line of \a output; a field that holds several values (several frames
//! in one TCP segment) makes one row per value.
QStringList flattenedRows(const QByteArray &output);

//! The brief's command: every WebSocket frame's opcode, FIN, mask bit and length
//! (after \a extraFields, if any).
QStringList webSocketFrames(const QString &file, const QStringList &extraFields = {});

//! A row of webSocketFrames(). websocket.payload_length is the 7-bit length field as
//! on the wire: 126 and 127 say that a 16- or 64-bit length follows.
QString frameRow(int opcode, bool fin, bool masked, qsizetype length);

//! Every frame tshark finds something to say about: checksums (validated), TCP
//! analysis (sequence and acknowledgement numbers, windows), malformed packets.
QByteArray tsharkComplaints(const QString &file);

} // namespace WsPlug::Test
