// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The client's byte stream as the host filters it for QWebSocket (unmasked, text
// fragments joined, a leading BOM doubled, UTF-8 checked). Besides memory errors it
// checks that nothing depends on how the stream was cut into reads, that nothing comes
// out much larger than it went in (a doubled BOM and a longer length form add at most
// five bytes to a frame that lost its four-byte key), and that a failure is final.

#include "clientframefilter_p.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::ClientFrameFilter;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    // The first byte picks the size of the pieces of the second pass and the limit for
    // joining text fragments (small, so that joins overflow it too).
    const qsizetype piece = data[0] % 23 + 1;
    const qint64 maxJoined = (data[0] & 0x80) ? 40 : 1 << 16;
    const char *stream = reinterpret_cast<const char *>(data + 1);
    const qsizetype length = qsizetype(size - 1);

    ClientFrameFilter whole(maxJoined);
    QByteArray wholeOut;
    const bool wholeOk = whole.feed(stream, length, &wholeOut);

    ClientFrameFilter pieces(maxJoined);
    QByteArray piecesOut;
    bool piecesOk = true;
    for (qsizetype at = 0; at < length && piecesOk; at += piece)
        piecesOk = pieces.feed(stream + at, qMin(piece, length - at), &piecesOut);

    const auto a = whole.takeDataReceived();
    const auto b = pieces.takeDataReceived();
    // A frame failed for its UTF-8 may have gone out in part, as far as the reads had
    // brought it (Qt never gets the rest of it): then one output is a prefix of the other.
    const bool sameOut = wholeOut == piecesOut
            || (!wholeOk && whole.errorCode() == 1007
                && (wholeOut.startsWith(piecesOut) || piecesOut.startsWith(wholeOut)));
    if (wholeOk != piecesOk || !sameOut || wholeOut.size() > length + 5 * qsizetype(a.frames)
        || whole.peerCloseCode() != pieces.peerCloseCode())
        std::abort();
    // Bytes count as they came: once the stream failed, how many of the failing frame's
    // came depends on the cut.
    if (a.frames != b.frames || (wholeOk && a.bytes != b.bytes) || a.bytes > quint64(length) || b.bytes > quint64(length))
        std::abort();
    if (!wholeOk && (whole.error().isEmpty() || !whole.failed() || whole.feed("\x81\x80", 2, &wholeOut)
                     || (whole.errorCode() != 1002 && whole.errorCode() != 1007)
                     || whole.errorCode() != pieces.errorCode()))
        std::abort();
    return 0;
}
