// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>
#include <wsplug/session.h>

#include <QJsonArray>
#include <QList>
#include <QObject>

class QWebSocket;

namespace WsPlug {

class HostServerPrivate;

/*
 * The /_admin endpoint (docs/admin-protocol.md). On attach a client gets a snapshot;
 * after that everything travels in one "tick" message per stats tick: rates, totals,
 * sessions opened and closed, handshakes, and (once a second) the counters of the
 * sessions that changed. So a client sees a bounded number of messages per second
 * however busy the host is. Admin connections are not user sessions.
 */
class AdminChannel final : public QObject
{
public:
    explicit AdminChannel(HostServerPrivate *host);
    ~AdminChannel() override;

    void attach(QWebSocket *socket);
    int clientCount() const { return int(m_clients.size()); }

    void sessionOpened(const SessionSnapshot &session);
    void sessionClosed(const SessionSnapshot &session);
    void handshakeLogged(const HandshakeRecord &record);
    void tick(const RateSample &sample);

    void closeAll(quint16 code, const QString &reason);
    void abortAll();

    // Per tick, at most this many of each event travel; the rest are counted as omitted.
    static constexpr int MaxOpenedPerTick = 1000;
    static constexpr int MaxClosedPerTick = 1000;
    static constexpr int MaxHandshakesPerTick = 100;
    // An admin client with more unsent data than this is not reading: it is dropped.
    static constexpr qint64 MaxClientBacklog = 32 * 1024 * 1024;

private:
    void onCommand(QWebSocket *client, const QString &text);
    void send(QWebSocket *client, const QByteArray &message);
    QJsonObject snapshot() const;
    //! Adds the event \a encode makes to a tick's \a list, or only counts it once the
    //! list holds \a max. Nothing is encoded then, nor while no client is attached.
    template <typename Encode>
    void queueForTick(QJsonArray &list, int &omitted, int max, Encode encode)
    {
        if (m_clients.isEmpty())
            return;
        if (list.size() < max)
            list.append(encode());
        else
            ++omitted;
    }

    HostServerPrivate *const m_host;
    QList<QWebSocket *> m_clients;
    QJsonArray m_opened;
    QJsonArray m_closed;
    QJsonArray m_handshakes;
    int m_omittedOpened = 0;
    int m_omittedClosed = 0;
    int m_omittedHandshakes = 0;
    quint64 m_tickCount = 0;
};

} // namespace WsPlug
