// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The client's byte stream as the host unmasks it for QWebSocket. Besides memory
// errors it checks that the output does not depend on how the stream was cut into
// reads, that nothing comes out larger than it went in, and that a failure is final.

#include "frameunmasker_p.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::FrameUnmasker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    // The first byte picks the size of the pieces of the second pass.
    const qsizetype piece = data[0] % 23 + 1;
    const char *stream = reinterpret_cast<const char *>(data + 1);
    const qsizetype length = qsizetype(size - 1);

    FrameUnmasker whole;
    QByteArray wholeOut;
    const bool wholeOk = whole.feed(stream, length, &wholeOut);

    FrameUnmasker pieces;
    QByteArray piecesOut;
    bool piecesOk = true;
    for (qsizetype at = 0; at < length && piecesOk; at += piece)
        piecesOk = pieces.feed(stream + at, qMin(piece, length - at), &piecesOut);

    if (wholeOk != piecesOk || wholeOut != piecesOut || wholeOut.size() > length)
        std::abort();
    if (!wholeOk && (whole.error().isEmpty() || !whole.failed() || whole.feed("\x81\x80", 2, &wholeOut)))
        std::abort();
    return 0;
}
