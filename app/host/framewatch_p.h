// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "framedecoder_p.h"

namespace WsPlug::Internal {

//! Where the frames of watched sessions go (the admin channel).
class FrameSink
{
public:
    virtual void frameSeen(Protocol::FrameRecord &&frame) = 0;
    //! A frame of \a session was left out by sampling.
    virtual void frameOmitted(Protocol::SessionId session, const QString &route, quint64 payloadBytes) = 0;
    //! Bytes of a recorded session as they crossed the wire, whole frames from where
    //! the recording began (see FrameWatch::setRecorded()); never sampled.
    virtual void bytesSeen(Protocol::SessionId session, Protocol::Direction from, const char *data, qsizetype size) = 0;

protected:
    ~FrameSink() = default;
};

/*
 * The frame inspector on one connection: both directions of its byte stream cut into
 * frames and reported to a FrameSink. Its ConnectionSocket owns it and feeds it the
 * same bytes as a capture (what the client sent, before the frame filter; what the
 * host handed over to be sent, including Qt's pongs and close frames); the fan-out
 * feeds it what it sent directly. A connection nobody watches has none and pays a
 * null-pointer check per read and write.
 *
 * Sampling: a session reports at most MaxFramesPerSecond frames a second; the rest
 * are counted as omitted, so a watched flood costs the host a header parse per frame
 * and the admin channel nothing.
 */
class FrameWatch
{
public:
    static constexpr int MaxFramesPerSecond = 100;

    //! Watching starts where the streams are: the host's side at a frame boundary (no
    //! frame is ever half written while the host's code runs), the client's where the
    //! frame filter is (\a clientHeaderSoFar, \a clientPayloadLeft; see FrameDecoder::resume()).
    //! \a deflate: the connection agreed on permessage-deflate (compressed messages are
    //! then shown inflated too, see Protocol::FrameRecord::inflated).
    FrameWatch(Protocol::SessionId session, const QString &route, FrameSink *sink,
               const QByteArray &clientHeaderSoFar, quint64 clientPayloadLeft, bool deflate);
    FrameWatch(const FrameWatch &) = delete;
    FrameWatch &operator=(const FrameWatch &) = delete;

    void clientSent(const char *data, qsizetype size)
    {
        if (m_recorded)
            recordClient(data, size);
        m_fromClient.feed(data, size, nowUs());
    }
    void hostSent(const char *data, qsizetype size)
    {
        if (m_recorded)
            m_sink->bytesSeen(m_session, Protocol::Direction::HostToClient, data, size);
        m_fromHost.feed(data, size, nowUs());
    }
    /*! Recording (the admin channel's "record"): the bytes both ways also go to the
        sink's bytesSeen(), unsampled, each direction from a frame boundary on. The
        host's side is always at one; of a client frame under way, what arrived of its
        header is passed at once, while the rest of a frame whose header went by before
        is left out (skippedClientBytes()). */
    void setRecorded(bool recorded);
    bool isRecorded() const { return m_recorded; }
    quint64 skippedClientBytes() const { return m_skippedClientBytes; }

private:
    static qint64 nowUs();
    bool admit(quint64 payloadLength);
    void report(Protocol::FrameRecord &&frame);
    static void showInflated(Protocol::FrameRecord &frame);
    void recordClient(const char *data, qsizetype size);

    const Protocol::SessionId m_session;
    const QString m_route;
    FrameSink *const m_sink;
    const bool m_deflate;
    FrameDecoder m_fromClient;
    FrameDecoder m_fromHost;
    qint64 m_windowStartUs = 0;
    int m_inWindow = 0;
    bool m_recorded = false;
    quint64 m_clientSkip = 0;          // client bytes to leave out before the next frame
    quint64 m_skippedClientBytes = 0;
};

} // namespace WsPlug::Internal
