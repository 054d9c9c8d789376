// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QtGlobal>

namespace WsPlug::Internal {

/*
 * Checks UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF)
 * piece by piece, as the bytes of a text message arrive, so that a bad byte fails the
 * message at once (RFC 6455 8.1) instead of when it ends. A character may be split
 * between pieces. ASCII runs are checked eight bytes at a time. No I/O.
 */
class WSPLUG_EXPORT Utf8Validator
{
public:
    //! Checks the next \a size bytes; false once the text is invalid (and from then on).
    bool feed(const char *data, qsizetype size);
    //! True if the text so far is valid and does not end inside a character.
    bool isComplete() const { return m_state == Accept; }
    bool failed() const { return m_state == Reject; }
    void reset() { m_state = Accept; }

private:
    enum State : quint8 {
        Accept,     // between characters
        Tail1,      // one continuation byte to go
        Tail2,      // two to go
        Tail3,      // three to go
        E0,         // after E0: the next must be A0..BF (no overlong form)
        ED,         // after ED: the next must be 80..9F (no surrogates)
        F0,         // after F0: 90..BF, then two
        F4,         // after F4: 80..8F, then two (nothing above U+10FFFF)
        Reject,
    };
    State m_state = Accept;
};

} // namespace WsPlug::Internal
