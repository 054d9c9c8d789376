// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include "utf8validator_p.h"

#include <QByteArray>
#include <QString>

#include <utility>

namespace WsPlug::Internal {

/*
 * The client's stream of frames (RFC 6455 5), between the TCP socket and QWebSocket.
 * It is fed bytes as they arrive, in pieces of any size, and appends to its output the
 * frames QWebSocket is to read. It makes up for what Qt 6.4 does slowly or not at all:
 *
 *  - Unmasking: every frame comes out unmasked (mask bit clear, key dropped, payload
 *    XORed eight bytes at a time; Qt does one at a time, which was most of the host's
 *    instructions with 16 KiB messages). A frame without a mask fails (5.1; Qt takes it).
 *  - Text fragments: the fragments of a text message come out joined into one frame,
 *    because Qt checks UTF-8 per fragment and fails a valid message whose fragments
 *    split a character (5.6, 8.1). Only up to maxJoinedBytes (Qt's frame limit, so the
 *    joined frame passes it); past that, and for any fragment out of order, what was
 *    joined goes out as a first fragment and the rest as it came.
 *  - Close codes: it notes the code of the client's first close frame, which Qt does not
 *    tell apart from its own (and reports as 1000 when the frame had none).
 *  - UTF-8: the text of a text message is checked as it arrives, so that invalid UTF-8
 *    fails the connection (1007) at once, not when the message ends (8.1; Qt checks a
 *    fragment or a joined message only once it is complete).
 *  - U+FEFF: Qt's decoder drops a BOM at the start of a text message. A text message
 *    that begins with one gets a second in front, so that the client's arrives.
 *
 * Control frames and everything else go through unchanged but for the mask; lengths,
 * opcodes, RSV bits and size limits stay Qt's to check (a fragment that Qt would refuse
 * is never joined, so that Qt sees it). No I/O.
 */
class WSPLUG_EXPORT ClientFrameFilter
{
public:
    explicit ClientFrameFilter(qint64 maxJoinedBytes = 16 * 1024 * 1024) : m_maxJoined(maxJoinedBytes) { }

    //! Appends what QWebSocket is to read of \a size bytes of the client's stream to
    //! \a out. Returns false once a frame came without a mask, or text that is not
    //! UTF-8: the frames before it are in \a out (bar text fragments still being joined),
    //! nothing of the failing frame or after it is, and error() and errorCode() say why.
    bool feed(const char *data, qsizetype size, QByteArray *out);

    bool failed() const { return m_state == State::Failed; }
    QString error() const { return m_error; }
    //! The close code to fail the connection with: 1002 or 1007.
    int errorCode() const { return m_errorCode; }

    static constexpr int NoClose = -1;
    //! The status code of the first close frame the client sent, once its first two
    //! payload bytes went through: NoClose before, 1005 for a close without a body
    //! (RFC 6455 7.1.5), 0 for a one-byte body (which is invalid).
    int peerCloseCode() const { return m_peerCloseCode; }
    //! The reason in that close frame (at most 123 bytes), once the frame went through.
    QByteArray peerCloseReason() const { return m_peerCloseReason; }

    struct DataReceived
    {
        quint64 frames = 0;   //!< text, binary and continuation frames as they came
        quint64 bytes = 0;    //!< their payload bytes (UTF-8 for text), as they came
    };
    //! What came in data frames since the last call: Qt sees fewer frames when
    //! fragments were joined, and text as QString, whose length is not the bytes'.
    DataReceived takeDataReceived() { return std::exchange(m_dataReceived, DataReceived()); }

    //! Where in the client's stream of frames the filter is: the bytes of a header under
    //! way, or how much payload is left of the frame under way (for the frame inspector,
    //! which may start watching in the middle of a frame).
    struct Position
    {
        QByteArray headerSoFar;
        quint64 payloadLeft = 0;
    };
    Position position() const;

    //! A teaching action (see the admin command "hold"): the client's pings (Qt then
    //! sends no pong) or pongs (the host's heartbeat then never hears back) are
    //! dropped here, from the next frame on; nothing else changes.
    void setDropIncoming(bool pings, bool pongs)
    {
        m_dropPings = pings;
        m_dropPongs = pongs;
    }

private:
    enum class State { Header, Payload, Failed };
    //! Decides where the frame whose header is complete goes; writes its header if out.
    void startFrame(int keyAt, QByteArray *out);
    //! False if the frame that ended fails the connection.
    bool endFrame(QByteArray *out);
    void flushJoined(bool final, QByteArray *out);
    void unmaskPayload(const char *data, qsizetype size, QByteArray *to);
    void noteCloseCode(const char *payload, qsizetype size);
    void fail(int code, const QString &why);
    //! Writes the header held back for the text frame under way, with a second BOM in
    //! front of its payload when the payload (so far in m_heldPayload) begins with one.
    void releaseHeldHeader(QByteArray *out);

    //! Of the frame under way, whose header stays in m_header until the next one.
    bool isDataFrame() const;

    State m_state = State::Header;
    unsigned char m_header[14] = {};   // the longest header: 2 + 8 length + 4 key
    int m_headerHave = 0;
    quint64 m_payloadLeft = 0;
    unsigned char m_key[4] = {};
    unsigned m_keyPhase = 0;           // payload bytes so far, modulo 4
    QString m_error;
    int m_errorCode = 0;

    // UTF-8 of the text message under way (frames Qt would refuse are left to Qt).
    bool m_messageOpen = false;        // a data message has begun and not ended
    bool m_textMessage = false;        // ... and it is text
    bool m_textChecked = false;        // ... and every frame of it so far was checked
    bool m_checkingText = false;       // the frame under way is checked
    Utf8Validator m_utf8;
    // A text message's first frame that goes out as it came: its header waits for the
    // first three payload bytes, which may be a BOM (see releaseHeldHeader()).
    bool m_holdingHeader = false;
    int m_heldKeyAt = 0;
    QByteArray m_heldPayload;

    // Joining a text message's fragments: m_joined holds its payload so far.
    qint64 m_maxJoined;
    bool m_joining = false;
    bool m_payloadToJoined = false;    // the frame under way is one of the fragments
    bool m_fragmentedPassing = false;  // a fragmented message is going through unjoined
    QByteArray m_joined;

    int m_peerCloseCode = NoClose;
    bool m_readingCloseCode = false;   // the payload under way is the first close frame's
    unsigned char m_closeCode[2] = {};
    int m_closeCodeHave = 0;
    QByteArray m_peerCloseReason;
    DataReceived m_dataReceived;
    bool m_dropPings = false;
    bool m_dropPongs = false;
    bool m_discarding = false;         // the frame under way is dropped (setDropIncoming())
};

} // namespace WsPlug::Internal
