// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QTcpSocket>

#include <functional>

namespace WsPlug::Internal {

/*
 * The TCP socket under every connection. It keeps the first response head written
 * to it (Qt's 101 or the host's refusal) for the handshake log, writes straight to
 * the kernel when nothing is queued, and reports every write, so that the host can
 * bound the unsent data even for what Qt writes on its own (pongs, close frames).
 */
class RecordingSocket final : public QTcpSocket
{
public:
    using QTcpSocket::QTcpSocket;
    QByteArray responseHead;
    //! Called after every write; never from a place where the socket may be deleted.
    std::function<void()> onWritten;

protected:
    qint64 writeData(const char *data, qint64 len) override;

private:
    qint64 writeNow(const char *data, qint64 len);
    bool m_recording = true;
};

} // namespace WsPlug::Internal
