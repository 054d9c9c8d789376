// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The frame inspector's decoder on any byte stream, either way. Besides memory errors
// it checks that what it reports does not depend on how the stream was cut into
// pieces, that every reported header parses back to the length reported, and that no
// payload shown is longer than the limit or than the frame.

#include "framedecoder_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <cstdint>
#include <cstdlib>

using namespace WsPlug;

namespace {

QList<Protocol::FrameRecord> decode(const char *stream, qsizetype length, qsizetype piece, bool admitAll)
{
    QList<Protocol::FrameRecord> out;
    int asked = 0;
    Internal::FrameDecoder decoder(Protocol::Direction::ClientToHost,
                                   [&out](Protocol::FrameRecord &&r) { out.append(std::move(r)); },
                                   [&asked, admitAll](quint64) { return admitAll || ++asked % 3 != 0; });
    for (qsizetype at = 0; at < length; at += piece)
        decoder.feed(stream + at, qMin(piece, length - at), 0);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype piece = data[0] % 23 + 1;
    const bool admitAll = !(data[0] & 0x80);
    const char *stream = reinterpret_cast<const char *>(data + 1);
    const qsizetype length = qsizetype(size - 1);

    const QList<Protocol::FrameRecord> whole = decode(stream, length, length > 0 ? length : 1, admitAll);
    const QList<Protocol::FrameRecord> pieces = decode(stream, length, piece, admitAll);
    if (whole.size() != pieces.size())
        abort();
    for (qsizetype i = 0; i < whole.size(); ++i) {
        const Protocol::FrameRecord &a = whole.at(i);
        const Protocol::FrameRecord &b = pieces.at(i);
        if (a.header != b.header || a.payload != b.payload || a.payloadLength != b.payloadLength
            || a.message != b.message || a.fragment != b.fragment)
            abort();
        Protocol::FrameHeader h;
        if (!Protocol::parseFrameHeader(a.header, &h) || h.size != a.header.size() || h.payloadLength != a.payloadLength)
            abort();
        if (a.payload.size() > Protocol::MaxFramePayloadShown || quint64(a.payload.size()) > a.payloadLength)
            abort();
    }
    return 0;
}
