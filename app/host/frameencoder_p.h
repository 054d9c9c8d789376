// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>

namespace WsPlug::Internal {

/*
 * Server-to-client frames (RFC 6455 5.2), encoded once and written as they are to
 * every recipient's socket. A server never masks, so the bytes are the same for
 * all: a broadcast costs one UTF-8 conversion and one encoding, not one per
 * recipient as with QWebSocket::sendTextMessage(). No I/O.
 */
struct EncodedMessage
{
    QByteArray bytes;     //!< header(s) and payload, ready to write
    int frames = 0;
    qint64 payloadBytes = 0;
};

enum class FrameOpcode : quint8 { Text = 0x1, Binary = 0x2 };

//! Appends an unmasked frame header (RFC 6455 5.2) for \a length payload bytes, with
//! the shortest length encoding.
WSPLUG_EXPORT void appendFrameHeader(QByteArray &out, quint8 opcode, bool fin, quint64 length);

//! The longest frame header a server writes (RFC 6455 5.2: no mask).
constexpr int MaxFrameHeader = 10;
//! Writes the header of one whole unmasked frame of \a length payload bytes to \a out;
//! returns its size (2, 4 or 10).
WSPLUG_EXPORT int writeFrameHeader(char *out, quint8 opcode, quint64 length);

//! Encodes \a payload as one message, split into frames of at most \a maxFramePayload
//! bytes (the first frame carries \a opcode, the rest are continuations).
WSPLUG_EXPORT EncodedMessage encodeMessage(FrameOpcode opcode, const QByteArray &payload,
                                           qint64 maxFramePayload = 512 * 1024);

} // namespace WsPlug::Internal
