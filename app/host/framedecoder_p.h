// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>
#include <wsplug/protocol/types.h>

#include <functional>

namespace WsPlug::Internal {

/*
 * One direction of a connection's byte stream cut back into frames, for the frame
 * inspector: fed bytes as they pass, in pieces of any size, it reports each frame
 * once its header and the shown part of its payload (unmasked, at most
 * Protocol::MaxFramePayloadShown bytes) are in, and skips the rest of the payload. It
 * keeps no more than that, whatever the frame's length. It checks nothing: a frame
 * that breaks the protocol is shown as it came (the frame filter and Qt judge it).
 * No I/O.
 */
class WSPLUG_EXPORT FrameDecoder
{
public:
    //! Whether to report the frame whose header just came in (\a payloadLength long);
    //! a frame refused is skipped at the cost of counting its bytes.
    using Admit = std::function<bool(quint64 payloadLength)>;
    using Report = std::function<void(Protocol::FrameRecord &&)>;

    FrameDecoder(Protocol::Direction direction, Report report, Admit admit = {});

    //! The stream is joined in the middle of a frame: \a headerSoFar are the bytes of
    //! a header under way, or else \a payloadLeft bytes of payload come before the
    //! next frame. \a nowUs is the time the header under way is given.
    void resume(const QByteArray &headerSoFar, quint64 payloadLeft, qint64 nowUs);

    //! Where the stream is now, in resume()'s terms: the bytes of a header under way,
    //! or the payload bytes left of the frame under way (then headerSoFar is empty).
    struct ResumePoint
    {
        QByteArray headerSoFar;
        quint64 payloadLeft = 0;
    };
    ResumePoint resumePoint() const;
    //! \a size bytes of the stream; \a nowUs is when they passed (microseconds since the epoch).
    void feed(const char *data, qsizetype size, qint64 nowUs);

private:
    enum class State { Header, Shown, Skip };
    void headerComplete();
    void finishFrame();

    const Protocol::Direction m_direction;
    Report m_report;
    Admit m_admit;
    State m_state = State::Header;
    QByteArray m_header;
    int m_headerSize = 2;          // what m_header needs, known once its first two bytes are in
    quint64 m_payloadLeft = 0;     // of the frame under way, past what was shown
    quint64 m_shownLeft = 0;
    unsigned char m_key[4] = {};
    bool m_masked = false;
    unsigned m_keyPhase = 0;
    Protocol::FrameRecord m_frame;
    quint64 m_message = 0;          // data messages begun so far
    int m_fragment = -1;           // of the message under way
};

} // namespace WsPlug::Internal
