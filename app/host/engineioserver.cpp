// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineioserver_p.h"

#include "connectionsocket_p.h"
#include "handshakegate_p.h"
#include "logging_p.h"
#include "requesthead_p.h"
#include "websocketconnection_p.h"

#include <QPointer>
#include <QTimer>

namespace WsPlug::Internal {

namespace {
// How long a connection that is closed after its reply may take to read it.
constexpr int CloseLingerMs = 2000;
} // namespace

EngineIoServer::EngineIoServer(const HostConfig &config, Host *host, SessionEvents *events, QObject *parent)
    : QObject(parent), m_config(config), m_host(host), m_events(events)
{
}

EngineIoServer::~EngineIoServer()
{
    stop();
}

EngineIoTransport::Settings EngineIoServer::settings() const
{
    EngineIoTransport::Settings s;
    if (m_config.pingIntervalMs > 0) {
        // The host's heartbeat pings: the client must allow for its tick (at most 1 s)
        // and the pong's way back before it gives up.
        s.pingIntervalMs = m_config.pingIntervalMs;
        s.pingTimeoutMs = m_config.pongTimeoutMs + 2000;
    } else {
        // No heartbeat on the host: Engine.IO clients need pings all the same
        // (engine.io's defaults), so the session pings on its own.
        s.ownHeartbeat = true;
    }
    s.maxMessageBytes = m_config.maxMessageBytes;
    s.maxFrameBytes = m_config.maxFrameBytes;
    // A POST carries a message of maxMessageBytes in base64 (binary), with room for the
    // packet's prefix and a few small packets batched with it.
    s.maxPayload = m_config.maxMessageBytes / 3 * 4 + 4096;
    return s;
}

void EngineIoServer::handleRequest(ConnectionSocket *socket, const PendingHandshake &p, const RequestHead &head,
                                   qsizetype headLength)
{
    socket->setParent(this);
    socket->skip(headLength);
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { onGone(socket); });
    EngineIoExchange exchange;
    exchange.socket = socket;
    const bool keepAlive = !head.isHttp10() && !head.headerHasToken("Connection", "close");
    // A request answered before its body was read leaves the body on the connection,
    // where it would be read as the next request: such a connection closes.
    const bool hasBody = head.hasHeader("Transfer-Encoding")
            || (head.hasHeader("Content-Length") && head.header("Content-Length") != "0");
    exchange.keepAlive = keepAlive && !hasBody;
    const QByteArray origin = head.header("Origin");
    const EngineIoCodec::Query query = EngineIoCodec::parseQuery(head.query());

    if (head.method() == "OPTIONS") {
        // A browser's CORS preflight (a POST with a custom header, or credentials).
        if (!origin.isEmpty() && m_host->originAllowed(p.route, p.engineIoPath, QString::fromUtf8(origin)))
            exchange.origin = origin;
        reply(exchange, 204, {}, {});
        return;
    }
    if (const std::optional<EngineIoCodec::Error> error = EngineIoCodec::checkQuery(query)) {
        replyError(exchange, *error);
        return;
    }
    if (query.sid.isEmpty()) {
        // The gate admitted the handshake (limits, origin, token); upgrades went to Qt.
        if (head.method() != "GET")
            replyError(exchange, EngineIoCodec::BadHandshakeMethod);
        else if (query.transport != "polling" || head.isWebSocketUpgrade())
            replyError(exchange, EngineIoCodec::BadRequest);
        else
            openPolling(p, EngineIoExchange{socket, origin, exchange.keepAlive});
        return;
    }
    EngineIoTransport *transport = m_sessions.value(query.sid);
    if (!transport) {
        replyError(exchange, EngineIoCodec::UnknownSid);
        return;
    }
    const Session *session = transport->session();
    if (!origin.isEmpty()) {
        if (!m_host->originAllowed(session->info.route, session->info.path, QString::fromUtf8(origin))) {
            replyError(exchange, EngineIoCodec::Forbidden);
            return;
        }
        exchange.origin = origin;
    }
    // engine.io's TRANSPORT_MISMATCH: polling on a session that went over to its WebSocket.
    if (query.transport != "polling" || head.isWebSocketUpgrade()
        || transport->mode() == EngineIoTransport::Mode::WebSocket) {
        replyError(exchange, EngineIoCodec::BadRequest);
        return;
    }
    if (head.method() == "GET") {
        // Nothing more is read from it until its reply (pipelined requests wait).
        socket->setReadBufferSize(m_config.maxRequestHeadBytes + 1);
        if (!transport->poll(exchange)) {
            // engine.io: a bare 400, and the session ends ("overlap from client").
            reply(exchange, 400, {}, {});
            transport->fail(QStringLiteral("overlap from client: a second GET while one was held"),
                            CloseCause::Protocol);
        }
    } else if (head.method() == "POST") {
        startUpload(transport, exchange, keepAlive, head);
    } else {
        replyError(exchange, EngineIoCodec::BadRequest);
    }
}

void EngineIoServer::openPolling(const PendingHandshake &p, const EngineIoExchange &exchange)
{
    const QByteArray sid = EngineIoCodec::newSid();
    const EngineIoTransport::Settings s = settings();
    EngineIoTransport *transport = nullptr;
    // The plugin sees the route's path and its own query parameters, not Engine.IO's
    // (p.query has a token masked already).
    const QString userQuery = EngineIoCodec::parseQuery(p.query.toUtf8()).userQuery;
    Session *session = m_host->openEngineIoSession(p, p.engineIoPath, userQuery, QStringLiteral("polling"),
                                                   [&](Session *session) {
        transport = new EngineIoTransport(session, this, sid, s, m_events);
        m_sessions.insert(sid, transport);
        return transport;
    });
    if (!session) {
        replyError(exchange, EngineIoCodec::BadRequest);
        return;
    }
    // The handshake request is the first poll: it takes the open packet, and whatever
    // the plugin sent from sessionOpened().
    transport->poll(exchange);
}

void EngineIoServer::upgraded(ConnectionSocket *tcp, const PendingHandshake &p)
{
    const EngineIoTransport::Settings s = settings();
    auto *ws = new WebSocketConnection(tcp, {s.maxFrameBytes, s.maxMessageBytes, CloseLingerMs}, this);
    const QPointer<WebSocketConnection> alive(ws);
    // Closed with \a code; the connection goes once TCP is closed (lingering at most CloseLingerMs).
    auto refuse = [ws](quint16 code, const QString &why) {
        ws->onDisconnected = [ws] { ws->deleteLater(); };
        ws->close(code, why);
    };
    const EngineIoCodec::Query query = EngineIoCodec::parseQuery(p.query.toUtf8());
    if (!query.sid.isEmpty()) {
        EngineIoTransport *transport = m_sessions.value(query.sid);
        if (!transport || !transport->upgrade(ws)) {
            qCInfo(lcHost).noquote() << "Engine.IO upgrade refused for sid" << QString::fromLatin1(query.sid);
            refuse(1008, QStringLiteral("no session to upgrade"));
        }
    } else {
        const QByteArray sid = EngineIoCodec::newSid();
        Session *session = m_host->openEngineIoSession(p, p.engineIoPath, query.userQuery,
                                                       QStringLiteral("engine.io websocket"), [&](Session *session) {
            auto *transport = new EngineIoTransport(session, this, sid, s, m_events, ws);
            m_sessions.insert(sid, transport);
            return transport;
        });
        if (!session)
            refuse(1001, QStringLiteral("plugin unloaded"));
    }
    // Now that someone listens: what came along with the head, then the rest.
    if (alive)
        ws->start(p.earlyData, false);
}

void EngineIoServer::startUpload(EngineIoTransport *transport, const EngineIoExchange &exchange, bool keepAlive,
                                 const RequestHead &head)
{
    ConnectionSocket *socket = exchange.socket;
    if (transport->postInFlight()) {
        // engine.io: "data request overlap from client", a bare 400 and the session ends.
        reply(exchange, 400, {}, {});
        transport->fail(QStringLiteral("overlap from client: a second POST while one was read"),
                        CloseCause::Protocol);
        return;
    }
    bool ok = false;
    const qint64 length = head.header("Content-Length").toLongLong(&ok);
    const qint64 maxPayload = settings().maxPayload;
    if (!ok || length < 0 || head.hasHeader("Transfer-Encoding")) {
        replyError(exchange, EngineIoCodec::BadRequest);
        return;
    }
    if (head.header("Content-Type") == "application/octet-stream") {
        // v4 payloads are text; engine.io ends such a session ("invalid content").
        replyError(exchange, EngineIoCodec::BadRequest);
        transport->fail(QStringLiteral("invalid content: a binary POST body"), CloseCause::Protocol);
        return;
    }
    if (length > maxPayload) {
        // As engine.io (maxHttpBufferSize): 413, and nothing of it is read.
        reply(exchange, 413, {}, {});
        transport->fail(QStringLiteral("POST body of %1 bytes, over maxPayload (%2)").arg(length).arg(maxPayload),
                        CloseCause::Limit);
        return;
    }
    transport->setPostInFlight(true);
    Upload upload;
    upload.exchange = exchange;
    upload.exchange.keepAlive = keepAlive;   // the body will have been read
    upload.sid = transport->sid();
    upload.length = length;   // not reserved: the client may never send it
    upload.serial = ++m_uploadSerial;
    m_uploads.insert(socket, upload);
    socket->setReadBufferSize(0);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onUploadData(socket); });
    // A body that trickles in is cut off like a slow request head.
    QTimer::singleShot(m_config.handshakeTimeoutMs, socket, [this, socket, serial = upload.serial] {
        // This upload's, not a later one's on the same kept-alive connection.
        const auto it = m_uploads.constFind(socket);
        if (it == m_uploads.cend() || it->serial != serial)
            return;
        if (EngineIoTransport *t = m_sessions.value(it->sid))
            t->fail(QStringLiteral("POST body not received within %1 ms").arg(m_config.handshakeTimeoutMs),
                    CloseCause::Timeout);
        socket->abort();
    });
    onUploadData(socket);
}

void EngineIoServer::onUploadData(ConnectionSocket *socket)
{
    auto it = m_uploads.find(socket);
    if (it == m_uploads.end())
        return;
    it->body += socket->read(it->length - it->body.size());
    if (it->body.size() < it->length)
        return;
    const Upload upload = *it;
    m_uploads.erase(it);
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    socket->setReadBufferSize(m_config.maxRequestHeadBytes + 1);
    EngineIoTransport *transport = m_sessions.value(upload.sid);
    if (!transport) {
        replyError(upload.exchange, EngineIoCodec::UnknownSid);
        return;
    }
    transport->setPostInFlight(false);
    QByteArray why;
    // The reply comes first: delivering may end the session (a close packet, a plugin
    // that closes it), and the client must still learn that its POST arrived.
    QPointer<EngineIoTransport> alive(transport);
    QList<EngineIoPacket> packets;
    if (!EngineIoCodec::decodePayload(upload.body, m_config.maxMessageBytes, &packets, &why)) {
        replyError(upload.exchange, EngineIoCodec::BadRequest);
        qCInfo(lcHost).noquote() << "Engine.IO session" << transport->session()->info.id
                                 << "sent a malformed payload:" << QString::fromLatin1(why);
        transport->fail(QStringLiteral("parse error: %1").arg(QString::fromLatin1(why)), CloseCause::Protocol);
        return;
    }
    // engine.io answers "ok" as text/html.
    reply(upload.exchange, 200, "text/html", "ok");
    if (alive)
        alive->deliver(packets);
}

void EngineIoServer::onGone(ConnectionSocket *socket)
{
    const auto it = m_uploads.find(socket);
    if (it != m_uploads.end()) {
        if (EngineIoTransport *t = m_sessions.value(it->sid))
            t->setPostInFlight(false);
        m_uploads.erase(it);
    }
    socket->deleteLater();
}

void EngineIoServer::replyError(const EngineIoExchange &exchange, EngineIoCodec::Error error)
{
    reply(exchange, EngineIoCodec::errorStatus(error), "application/json", EngineIoCodec::errorBody(error));
}

void EngineIoServer::reply(const EngineIoExchange &exchange, int status, const QByteArray &contentType,
                           const QByteArray &body)
{
    ConnectionSocket *socket = exchange.socket;
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return;
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + httpReasonPhrase(status) + "\r\n";
    if (!contentType.isEmpty())
        response += "Content-Type: " + contentType + "\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    // As engine.io: no cache between the client and the host may answer a poll.
    response += "Cache-Control: no-store\r\n";
    if (!exchange.origin.isEmpty()) {
        // As engine.io: the browser's own origin, with credentials (its cookies, if any).
        response += "Access-Control-Allow-Origin: " + exchange.origin + "\r\n"
                    "Access-Control-Allow-Credentials: true\r\nVary: Origin\r\n";
        if (status == 204)
            response += "Access-Control-Allow-Methods: GET, POST\r\nAccess-Control-Allow-Headers: Content-Type\r\n";
    }
    const bool keepAlive = exchange.keepAlive && !m_uploads.contains(socket);
    if (keepAlive) {
        // Announced a second short of the gate's idle limit, so that a client never
        // sends on a connection the host is closing.
        response += "Keep-Alive: timeout=" + QByteArray::number(qMax(1, m_config.handshakeTimeoutMs / 1000 - 1)) + "\r\n";
    } else {
        response += "Connection: close\r\n";
    }
    response += "\r\n";
    response += body;
    socket->write(response);
    disconnect(socket, nullptr, this, nullptr);
    if (keepAlive) {
        m_host->keepAlive(socket);
        return;
    }
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    QTimer::singleShot(CloseLingerMs, socket, [socket] { socket->abort(); });
}

void EngineIoServer::forget(const QByteArray &sid, const EngineIoTransport *transport)
{
    const auto it = m_sessions.constFind(sid);
    if (it != m_sessions.cend() && it.value() == transport)
        m_sessions.erase(it);
}

void EngineIoServer::stop()
{
    const auto uploads = m_uploads.keys();
    m_uploads.clear();
    for (ConnectionSocket *socket : uploads)
        socket->abort();
}

} // namespace WsPlug::Internal
