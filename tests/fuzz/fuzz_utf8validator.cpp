// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The incremental UTF-8 check of text messages against Qt's own UTF-8 decoder: both
// must call the same inputs valid, however the input is cut into pieces.

#include "utf8validator_p.h"

#include <QStringDecoder>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::Utf8Validator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype piece = data[0] % 7 + 1;
    const char *text = reinterpret_cast<const char *>(data + 1);
    const qsizetype length = qsizetype(size - 1);

    Utf8Validator whole;
    const bool wholeValid = whole.feed(text, length) && whole.isComplete();
    Utf8Validator pieces;
    bool ok = true;
    for (qsizetype at = 0; at < length && ok; at += piece)
        ok = pieces.feed(text + at, qMin(piece, length - at));
    if (wholeValid != (ok && pieces.isComplete()))
        std::abort();

    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    // decode() is lazy: the conversion (and its error) happens when it becomes a QString.
    const QString decoded = decoder.decode(QByteArrayView(text, length));
    if (wholeValid == decoder.hasError())
        std::abort();
    return 0;
}
