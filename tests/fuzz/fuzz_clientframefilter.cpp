// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The client's byte stream as the host reads it (data messages out as bytes, fragments
// joined, limits, opcodes and UTF-8 checked; control frames unmasked for QWebSocket).
// Besides memory errors it checks that nothing depends on how the stream was cut into
// reads, that nothing comes out larger than it went in (a frame loses its four-byte key
// on the way; unless permessage-deflate is on, when messages inflate), that a text message
// is valid UTF-8, that no message passes the limit, and that a failure is final.

#include "clientframefilter_p.h"
#include "utf8validator_p.h"

#include <QByteArray>
#include <QList>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::ClientFrameFilter;
using WsPlug::Internal::Utf8Validator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    // The first byte picks the size of the pieces of the second pass and the limits
    // (small ones too, so that frames and messages pass them).
    const qsizetype piece = data[0] % 23 + 1;
    const qint64 maxFrame = (data[0] & 0x80) ? 40 : 1 << 16;
    const qint64 maxMessage = (data[0] & 0x40) ? 60 : 1 << 17;
    const bool inflate = data[0] & 0x20;   // permessage-deflate negotiated: RSV1 compresses
    const char *stream = reinterpret_cast<const char *>(data + 1);
    const qsizetype length = qsizetype(size - 1);

    ClientFrameFilter whole(maxFrame, maxMessage);
    whole.setInflate(inflate);
    QByteArray wholeControl;
    QList<ClientFrameFilter::DataMessage> wholeMessages;
    const bool wholeOk = whole.feed(stream, length, &wholeControl, &wholeMessages);

    ClientFrameFilter pieces(maxFrame, maxMessage);
    pieces.setInflate(inflate);
    QByteArray piecesControl;
    QList<ClientFrameFilter::DataMessage> piecesMessages;
    bool piecesOk = true;
    for (qsizetype at = 0; at < length && piecesOk; at += piece)
        piecesOk = pieces.feed(stream + at, qMin(piece, length - at), &piecesControl, &piecesMessages);

    const auto a = whole.takeDataReceived();
    const auto b = pieces.takeDataReceived();
    if (wholeOk != piecesOk || wholeControl != piecesControl || wholeMessages.size() != piecesMessages.size()
        || whole.peerCloseCode() != pieces.peerCloseCode())
        std::abort();
    qsizetype out = wholeControl.size();
    for (qsizetype i = 0; i < wholeMessages.size(); ++i) {
        const ClientFrameFilter::DataMessage &m = wholeMessages.at(i);
        const ClientFrameFilter::DataMessage &n = piecesMessages.at(i);
        if (m.text != n.text || m.payload != n.payload || m.controlEnd != n.controlEnd
            || m.payload.size() > maxMessage || m.controlEnd > wholeControl.size())
            std::abort();
        Utf8Validator utf8;
        if (m.text && !(utf8.feed(m.payload.constData(), m.payload.size()) && utf8.isComplete()))
            std::abort();
        out += m.payload.size();
    }
    if (out > length && !inflate)
        std::abort();
    // Bytes count as they came: once the stream failed, how many of the failing frame's
    // came depends on the cut.
    if (a.frames != b.frames || (wholeOk && a.bytes != b.bytes) || a.bytes > quint64(length) || b.bytes > quint64(length))
        std::abort();
    if (!wholeOk && (whole.error().isEmpty() || !whole.failed()
                     || whole.feed("\x81\x80", 2, &wholeControl, &wholeMessages)
                     || (whole.errorCode() != 1002 && whole.errorCode() != 1007 && whole.errorCode() != 1009)
                     || whole.errorCode() != pieces.errorCode()))
        std::abort();
    return 0;
}
