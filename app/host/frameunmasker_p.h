// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QString>

namespace WsPlug::Internal {

/*
 * Client-to-server frames (RFC 6455 5.2, 5.3) with the mask taken off, as a stream:
 * it is fed bytes as they arrive, in pieces of any size, and appends the same frames
 * to its output unmasked (mask bit clear, masking key dropped, payload XORed with the
 * key). QWebSocket then reads plain frames. Why: Qt 6.4 unmasks a byte at a time, which
 * was most of the host's instructions with 16 KiB messages; this does eight at a time.
 * And it does what Qt 6.4 does not: a client frame without a mask fails the connection
 * (RFC 6455 5.1). Everything else (lengths, opcodes, limits) stays Qt's to check: the
 * frames go through unchanged but for the mask. No I/O, no buffering beyond a header.
 * On the way it notes the status code of the client's first close frame, which Qt
 * does not tell apart from its own (and reports an empty close as 1000).
 */
class WSPLUG_EXPORT FrameUnmasker
{
public:
    //! Appends the unmasked form of \a size bytes of the client's stream to \a out.
    //! Returns false once a frame came without a mask: the frames before it are in
    //! \a out, nothing after it is taken, and error() says why.
    bool feed(const char *data, qsizetype size, QByteArray *out);

    bool failed() const { return m_state == State::Failed; }
    QString error() const { return m_error; }

    static constexpr int NoClose = -1;
    //! The status code of the first close frame the client sent, once its first two
    //! payload bytes went through: NoClose before, 1005 for a close without a body
    //! (RFC 6455 7.1.5), 0 for a one-byte body (which is invalid).
    int peerCloseCode() const { return m_peerCloseCode; }

private:
    enum class State { Header, Payload, Failed };
    void unmaskPayload(const char *data, qsizetype size, QByteArray *out);
    void noteCloseCode(const char *payload, qsizetype size);

    State m_state = State::Header;
    unsigned char m_header[14] = {};   // the longest header: 2 + 8 length + 4 key
    int m_headerHave = 0;
    quint64 m_payloadLeft = 0;
    unsigned char m_key[4] = {};
    unsigned m_keyPhase = 0;           // payload bytes so far, modulo 4
    int m_peerCloseCode = NoClose;
    bool m_readingCloseCode = false;   // the payload under way is the first close frame's
    unsigned char m_closeCode[2] = {};
    int m_closeCodeHave = 0;
    QString m_error;
};

} // namespace WsPlug::Internal
