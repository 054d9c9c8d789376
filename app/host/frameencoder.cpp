// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "frameencoder_p.h"

#include <QtEndian>

#include <cstring>

namespace WsPlug::Internal {

void appendFrameHeader(QByteArray &out, quint8 opcode, bool fin, quint64 length)
{
    out.append(char((fin ? 0x80 : 0x00) | opcode));
    if (length <= 125) {
        out.append(char(length));
    } else if (length <= 0xffff) {
        out.append(char(126));
        char be[2];
        qToBigEndian<quint16>(quint16(length), be);
        out.append(be, 2);
    } else {
        out.append(char(127));
        char be[8];
        qToBigEndian<quint64>(length, be);
        out.append(be, 8);
    }
}

int writeFrameHeader(char *out, quint8 opcode, quint64 length)
{
    auto *bytes = reinterpret_cast<uchar *>(out);
    bytes[0] = uchar(0x80 | opcode);
    if (length <= 125) {
        bytes[1] = uchar(length);
        return 2;
    }
    if (length <= 0xffff) {
        bytes[1] = 126;
        qToBigEndian<quint16>(quint16(length), bytes + 2);
        return 4;
    }
    bytes[1] = 127;
    qToBigEndian<quint64>(length, bytes + 2);
    return 10;
}

EncodedMessage encodeMessage(FrameOpcode opcode, const QByteArray &payload, qint64 maxFramePayload)
{
    EncodedMessage m;
    m.payloadBytes = payload.size();
    if (payload.size() <= maxFramePayload) {
        // One frame (nearly every message): header and payload written into one
        // allocation of the exact size, without QByteArray's append checks.
        const qsizetype size = payload.size();
        char header[MaxFrameHeader];
        const int headerSize = writeFrameHeader(header, quint8(opcode), quint64(size));
        m.bytes = QByteArray(headerSize + size, Qt::Uninitialized);
        std::memcpy(m.bytes.data(), header, size_t(headerSize));
        if (size > 0)
            std::memcpy(m.bytes.data() + headerSize, payload.constData(), size_t(size));
        m.frames = 1;
        return m;
    }
    const qint64 chunk = std::max<qint64>(1, maxFramePayload);
    const qint64 frames = std::max<qint64>(1, (payload.size() + chunk - 1) / chunk);
    m.bytes.reserve(payload.size() + frames * 10);
    qint64 offset = 0;
    for (qint64 i = 0; i < frames; ++i) {
        const qint64 size = std::min<qint64>(chunk, payload.size() - offset);
        appendFrameHeader(m.bytes, i == 0 ? quint8(opcode) : quint8(0x0), i == frames - 1, quint64(size));
        m.bytes.append(payload.constData() + offset, size);
        offset += size;
    }
    m.frames = int(frames);
    return m;
}

} // namespace WsPlug::Internal
