// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include "utf8validator_p.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace WsPlug::Internal {

/*
 * The client's stream of frames (RFC 6455 5), read once, as it comes off the TCP
 * socket. It is fed bytes as they arrive, in pieces of any size, and hands out one
 * message or control frame at a time (next()), so that the connection answers each
 * before it reads on:
 *
 *  - Data messages (text and binary): their frames are unmasked eight bytes at a time
 *    into the message, fragments joined, and the message handed over whole as bytes,
 *    text as the UTF-8 it came in (nothing converted, a leading BOM kept).
 *  - Their errors fail the connection as RFC 6455 asks: a frame without a mask (5.1),
 *    RSV bits (5.2), a reserved opcode, a length not in its shortest form, a
 *    continuation without a message or a new message inside one (5.4) with 1002; a
 *    frame or message over the limits with 1009, before its payload is stored; text
 *    that is not UTF-8 with 1007 as soon as the offending byte arrives (8.1).
 *  - With permessage-deflate (setInflate()), RSV1 on a message's first frame marks it
 *    compressed (RFC 7692 6): it is inflated once whole, never past the message limit
 *    (1009), then checked as UTF-8; RSV1 on a continuation or a control frame is 1002.
 *  - Control frames must be final, at most 125 bytes, without RSV bits and of a known
 *    opcode (5.5), else 1002; they go out unmasked, in the stream's order with the data
 *    messages, for the connection (WebSocketConnection) to answer. A control frame's
 *    payload comes out in Output, on the caller's stack: nothing is allocated for it
 *    unless it arrives in pieces.
 *  - Close codes: it notes the code and reason of the client's first close frame.
 *
 * No I/O.
 */
class WSPLUG_EXPORT ClientFrameFilter
{
public:
    explicit ClientFrameFilter(qint64 maxFrameBytes = 16 * 1024 * 1024, qint64 maxMessageBytes = 16 * 1024 * 1024)
        : m_maxFrame(maxFrameBytes), m_maxMessage(maxMessageBytes) { }

    //! What next() completed: a data message, a control frame, or nothing yet.
    struct Output
    {
        enum class Kind { Nothing, Message, Control };
        Kind kind = Kind::Nothing;
        bool text = false;       //!< Message: text (UTF-8, checked) or binary
        QByteArray payload;      //!< Message: as the client sent it, fragments joined
        int opcode = 0;          //!< Control: 0x8, 0x9 or 0xA
        int controlLength = 0;   //!< Control: the payload's length, unmasked in control
        char control[125];
    };

    //! Reads the client's stream in \a data up to the end of the next data message or
    //! control frame, which \a out then holds, and returns how many bytes it read: all
    //! of \a size when nothing completed. Once a frame fails the connection it reads no
    //! further (failed(); error() and errorCode() say why) and nothing of that frame
    //! comes out.
    qsizetype next(const char *data, qsizetype size, Output *out);

    //! A complete data message, fragments joined (feed()).
    struct DataMessage
    {
        bool text = false;
        QByteArray payload;        //!< as the client sent it: UTF-8 for text (checked)
        qsizetype controlEnd = 0;  //!< the size of the control output when it was complete
    };

    //! next() over all of \a data: appends the control frames (unmasked, header and
    //! payload) to \a control and the data messages to \a messages, in the order they
    //! came. Returns false once a frame fails the connection: what came before it is in
    //! \a control and \a messages, nothing of it or after it is.
    bool feed(const char *data, qsizetype size, QByteArray *control, QList<DataMessage> *messages);

    //! Accept compressed messages (permessage-deflate was negotiated).
    void setInflate(bool on) { m_inflate = on; }
    bool inflates() const { return m_inflate; }

    bool failed() const { return m_state == State::Failed; }
    QString error() const { return m_error; }
    //! The close code to fail the connection with: 1002, 1007 or 1009.
    int errorCode() const { return m_errorCode; }

    static constexpr int NoClose = -1;
    //! The status code of the first close frame the client sent, once that frame went
    //! through whole: NoClose before, 1005 for a close without a body (RFC 6455 7.1.5),
    //! 0 for a one-byte body (which is invalid).
    int peerCloseCode() const { return m_peerCloseCode; }
    //! The reason in that close frame (at most 123 bytes), once the frame went through.
    QByteArray peerCloseReason() const { return m_peerCloseReason; }

    struct DataReceived
    {
        quint64 frames = 0;   //!< text, binary and continuation frames as they came
        quint64 bytes = 0;    //!< their payload bytes (UTF-8 for text), as they came
    };
    //! What came in data frames since the last call (a message counts once, however
    //! many frames it came in).
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
    //! Decides where the frame whose header is complete goes; false if it fails.
    bool startFrame(int keyAt, Output *out);
    //! False if the frame that ended fails the connection.
    bool endFrame(Output *out);
    void unmask(const char *data, qsizetype size, char *to);
    void notePeerClose(const Output &close);
    //! Replaces the compressed message under way by its inflated bytes; false if it fails.
    bool inflateMessage();
    void fail(int code, const QString &why);

    State m_state = State::Header;
    unsigned char m_header[14] = {};   // the longest header: 2 + 8 length + 4 key
    int m_headerHave = 0;
    quint64 m_payloadLeft = 0;
    unsigned char m_key[4] = {};
    unsigned m_keyPhase = 0;           // payload bytes so far, modulo 4
    QString m_error;
    int m_errorCode = 0;
    qint64 m_maxFrame;
    qint64 m_maxMessage;

    // The data message under way.
    bool m_dataFrame = false;          // the frame under way is one of its frames
    bool m_messageOpen = false;        // a data message has begun and not ended
    bool m_textMessage = false;        // ... and it is text
    bool m_compressed = false;         // ... and compressed (RSV1 on its first frame)
    bool m_inflate = false;            // permessage-deflate negotiated
    Utf8Validator m_utf8;
    QByteArray m_message;

    int m_peerCloseCode = NoClose;
    // A control frame's payload that came in more than one piece (rare), till it is whole.
    QByteArray m_controlPiece;
    QByteArray m_peerCloseReason;
    DataReceived m_dataReceived;
    bool m_dropPings = false;
    bool m_dropPongs = false;
    bool m_discarding = false;         // the frame under way is dropped (setDropIncoming())
};

} // namespace WsPlug::Internal
