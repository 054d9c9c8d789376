// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "engineiocodec_p.h"
#include "engineiotransport_p.h"

#include <wsplug/hostconfig.h>

#include <QHash>
#include <QObject>

#include <functional>


namespace WsPlug::Internal {

class ConnectionSocket;
class RequestHead;
class SessionEvents;
struct PendingHandshake;

/*
 * The HTTP side of Engine.IO (docs/fallback.md): the gate hands it every request
 * under "<route>/engine.io/" that is not a WebSocket upgrade, and the host every such
 * upgrade. It opens sessions, finds them by sid, reads POST bodies (bounded by
 * maxPayload), answers in engine.io's words and gives a kept-alive connection back to
 * the gate for its next request. The sessions' own logic is EngineIoTransport's.
 */
class EngineIoServer final : public QObject
{
public:
    class Host
    {
    public:
        //! Opens a session for \a p on \a path (the route's path, without "/engine.io/")
        //! with \a query (what the plugin sees); \a make creates its transport. nullptr
        //! when the plugin is gone.
        virtual Session *openEngineIoSession(const PendingHandshake &p, const QString &path, const QString &query,
                                             const QString &transportName,
                                             const std::function<SessionTransport *(Session *)> &make) = 0;
        //! The connection may carry another request: the gate reads it as a new one.
        virtual void keepAlive(ConnectionSocket *socket) = 0;
        virtual bool originAllowed(const QString &route, const QString &path, const QString &origin) const = 0;

    protected:
        ~Host() = default;
    };

    EngineIoServer(const HostConfig &config, Host *host, SessionEvents *events, QObject *parent);
    ~EngineIoServer() override;

    //! A request the gate read the head of (\a headLength bytes still in \a socket).
    void handleRequest(ConnectionSocket *socket, const PendingHandshake &p, const RequestHead &head,
                       qsizetype headLength);
    //! A WebSocket upgraded on "<route>/engine.io/": an upgrade of a polling session
    //! (with a sid), else a WebSocket-only session.
    void upgraded(ConnectionSocket *tcp, const PendingHandshake &p);
    bool knows(const QByteArray &sid) const { return m_sessions.contains(sid); }
    int sessionCount() const { return int(m_sessions.size()); }

    //! Answers \a exchange, then hands its connection back to the gate or closes it.
    void reply(const EngineIoExchange &exchange, int status, const QByteArray &contentType,
               const QByteArray &body);
    //! \a transport (of \a sid) ended.
    void forget(const QByteArray &sid, const EngineIoTransport *transport);
    //! Drops every request in progress (the sessions are the host's to close).
    void stop();

    //! What sessions are told in the open packet, from the host's settings.
    EngineIoTransport::Settings settings() const;

private:
    struct Upload
    {
        EngineIoExchange exchange;
        QByteArray sid;
        qint64 length = 0;
        QByteArray body;
        quint64 serial = 0;   // which upload its timeout belongs to
    };
    void openPolling(const PendingHandshake &p, const EngineIoExchange &exchange);
    void replyError(const EngineIoExchange &exchange, EngineIoCodec::Error error);
    void startUpload(EngineIoTransport *transport, const EngineIoExchange &exchange, bool keepAlive,
                     const RequestHead &head);
    void onUploadData(ConnectionSocket *socket);
    void onGone(ConnectionSocket *socket);

    const HostConfig &m_config;
    Host *const m_host;
    SessionEvents *const m_events;
    QHash<QByteArray, EngineIoTransport *> m_sessions;
    QHash<ConnectionSocket *, Upload> m_uploads;
    quint64 m_uploadSerial = 0;
};

} // namespace WsPlug::Internal
