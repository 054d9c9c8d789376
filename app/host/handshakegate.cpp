// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshakegate_p.h"

#include "capturerecorder_p.h"
#include "connectionsocket_p.h"
#include "logging_p.h"
#include "tlslistener_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QPointer>
#include <QTimer>

#include <limits>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace WsPlug::Internal {

namespace {

// Refused connections linger until the response is flushed; past this many at once
// new ones are dropped outright, so a flood cannot pin file descriptors.
constexpr int MaxRefusing = 256;
// How long a refused connection may take to read its response.
constexpr int RefusalLingerMs = 2000;

QString normalizedAddress(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

} // namespace

//! Accepts TCP itself so that the gate sees every connection before Qt's handshake.
class HandshakeGate::Listener final : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;
    std::function<void(qintptr)> onIncoming;

protected:
    void incomingConnection(qintptr socketDescriptor) override { onIncoming(socketDescriptor); }
};

HandshakeGate::HandshakeGate(const HostConfig &config, GateHost *host, QObject *parent)
    : QObject(parent), m_config(config), m_host(host), m_deadlineTimer(new QTimer(this))
{
    m_clock.start();
    m_deadlineTimer->setSingleShot(true);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] { onDeadlines(); });
}

HandshakeGate::~HandshakeGate() = default;

bool HandshakeGate::listen(QString *errorString)
{
    m_stopping = false;
    m_forwardedFor = ForwardedFor::parse(m_config.trustedProxies, nullptr).value_or(ForwardedFor());
    if (m_tls) {
        // A connection waits for its first byte as long as for its request head.
        auto *listener = new TlsListener(m_config.handshakeTimeoutMs, m_config.maxConnections, this);
        listener->setSslConfiguration(*m_tls);
        listener->onEncrypted = [this](QSslSocket *tls) { onEncrypted(tls); };
        listener->onFailed = [this](const QHostAddress &peer, const QString &why) {
            m_host->tlsFailed(peer.isNull() ? QStringLiteral("?") : normalizedAddress(peer), why);
        };
        m_listener = listener;
    } else {
        auto *listener = new Listener(this);
        listener->onIncoming = [this](qintptr fd) { onIncoming(fd); };
        m_listener = listener;
    }
    m_listener->setListenBacklogSize(m_config.listenBacklog);
    // Accepting is cheap and the host never pauses it: refusals happen at the HTTP level.
    // A TLS handshake is not cheap, and QSslServer counts those in flight as pending:
    // at most as many as the host takes connections (it pauses accepting past that).
    m_listener->setMaxPendingConnections(m_tls ? m_config.maxConnections : std::numeric_limits<int>::max());
    if (!m_listener->listen(m_config.address, m_config.port)) {
        *errorString = QStringLiteral("cannot listen on %1:%2: %3")
                           .arg(m_config.address.toString()).arg(m_config.port)
                           .arg(m_listener->errorString());
        delete m_listener;
        m_listener = nullptr;
        return false;
    }
    // Sessions write whole frames at once: they go out now, not after Nagle's delay.
    // Set on the listening socket, every accepted one inherits it (Linux), which
    // spares a setsockopt() per connection.
    const int one = 1;
    if (::setsockopt(int(m_listener->socketDescriptor()), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        qCWarning(lcHost) << "cannot set TCP_NODELAY on the listening socket";
    return true;
}

void HandshakeGate::setTlsConfiguration(const QSslConfiguration &configuration)
{
    m_tls = configuration;
    if (auto *listener = qobject_cast<QSslServer *>(m_listener))
        listener->setSslConfiguration(configuration);   // sessions keep theirs
}

QHostAddress HandshakeGate::serverAddress() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

quint16 HandshakeGate::serverPort() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

bool HandshakeGate::isListening() const
{
    return m_listener && m_listener->isListening();
}

void HandshakeGate::stop()
{
    m_stopping = true;
    if (m_listener)
        m_listener->close();
    const auto handshakes = m_pending.keys();
    for (ConnectionSocket *socket : handshakes)
        socket->abort();
}

void HandshakeGate::finish()
{
    stop();
    // Sockets whose abort() did not report them gone (never connected ones).
    const auto handshakes = m_pending.keys();
    for (ConnectionSocket *socket : handshakes)
        onGone(socket);
    if (m_listener) {
        m_listener->deleteLater();
        m_listener = nullptr;
    }
}

void HandshakeGate::releaseAddress(const QString &peerAddress)
{
    auto ip = m_connectionsPerIp.find(peerAddress);
    if (ip != m_connectionsPerIp.end() && --ip.value() <= 0)
        m_connectionsPerIp.erase(ip);
}

void HandshakeGate::onIncoming(qintptr socketDescriptor)
{
    auto *socket = new ConnectionSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcHost) << "cannot adopt accepted socket:" << socket->errorString();
        ::close(int(socketDescriptor));
        delete socket;
        return;
    }
    admitConnection(socket, false);
}

void HandshakeGate::onEncrypted(QSslSocket *tls)
{
    auto *socket = new ConnectionSocket(this);
    socket->adoptTls(tls);
    admitConnection(socket, false);
}

void HandshakeGate::adopt(ConnectionSocket *socket)
{
    socket->setParent(this);
    admitConnection(socket, true);
}

void HandshakeGate::admitConnection(ConnectionSocket *socket, bool keptAlive)
{
    if (m_stopping) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    PendingHandshake p;
    p.keptAlive = keptAlive;
    p.peerHostAddress = socket->peerAddress();
    p.peerAddress = normalizedAddress(p.peerHostAddress);
    p.peerPort = socket->peerPort();
    // A trusted proxy's connections are all from its address: they are limited per
    // client once its headers have named the client (resolveForwarded()).
    p.viaProxy = !m_forwardedFor.isEmpty() && m_forwardedFor.trusts(p.peerHostAddress);
    p.sinceAccept.start();
    p.acceptedAt = QDateTime::currentDateTimeUtc();
    if (m_host->sessionCount() + m_pendingCounted >= m_config.maxConnections) {
        p.refuseStatus = 503;
        p.refuseReason = "the server is at its connection limit";
    } else if (!p.viaProxy) {
        refusedByAddressLimits(p);
    }
    if (p.refuseStatus != 0) {
        if (m_refusing >= MaxRefusing) {
            log(p, HandshakeRecord::Outcome::Dropped, 0, {},
                QStringLiteral("dropped: %1 refusals already in flight").arg(MaxRefusing));
            socket->abort();
            socket->deleteLater();
            return;
        }
        ++m_refusing;
    } else {
        p.counted = true;
        ++m_pendingCounted;
        if (!p.viaProxy) {
            p.ipCounted = true;
            ++m_connectionsPerIp[p.peerAddress];
        }
    }
    const int timeout = p.refuseStatus ? std::min(m_config.handshakeTimeoutMs, RefusalLingerMs)
                                       : m_config.handshakeTimeoutMs;
    p.deadline = m_deadlines.emplace(m_clock.elapsed() + timeout, socket);
    if (p.deadline == m_deadlines.begin())
        m_deadlineTimer->start(timeout);
    m_pending.insert(socket, p);

    // Never buffer more than a head's worth before deciding.
    socket->setReadBufferSize(m_config.maxRequestHeadBytes + 1);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { onGone(socket); });
    // A pipelined request on a kept-alive connection waits for the event loop: reading
    // it here would nest one request's handling in the last one's reply.
    if (keptAlive && socket->bytesAvailable() > 0)
        QTimer::singleShot(0, socket, [this, socket] { onReadyRead(socket); });
    else if (socket->bytesAvailable() > 0)
        onReadyRead(socket);
}

void HandshakeGate::onReadyRead(ConnectionSocket *socket)
{
    auto it = m_pending.find(socket);
    if (it == m_pending.end())
        return;
    PendingHandshake &p = it.value();
    if (p.responded) {
        socket->skip(socket->bytesAvailable());   // lingering: drain so the peer's close is seen
        return;
    }

    const QByteArray data = socket->peek(socket->bytesAvailable());
    const qsizetype headLength = RequestHead::headLength(data);
    const QByteArray tooLarge = "request head larger than " + QByteArray::number(m_config.maxRequestHeadBytes) + " bytes";
    if (headLength < 0) {
        if (data.size() > m_config.maxRequestHeadBytes)
            refuse(socket, 431, tooLarge);
        return;
    }
    if (headLength > m_config.maxRequestHeadBytes) {
        refuse(socket, 431, tooLarge);
        return;
    }
    p.requestHead = data.left(headLength);

    RequestHead head;
    QByteArray why;
    if (!head.parse(p.requestHead, &why)) {
        refuse(socket, 400, why);
        return;
    }
    if (p.viaProxy)
        resolveForwarded(p, head);
    const QString path = QString::fromUtf8(head.path());
    p.path = path;
    p.headOnly = head.method() == "HEAD";
    if (const std::optional<QByteArray> response = m_host->httpResponse(head)) {
        p.http = true;
        p.responded = true;
        if (p.refuseStatus != 0) {
            p.refuseStatus = 0;
            --m_refusing;
        }
        uncount(p);
        respondAndClose(socket, *response);
        return;
    }
    QString routePath = path;
    if (routeEngineIo(socket, p, head, headLength, &routePath))
        return;
    if (path == QLatin1String(Protocol::AdminPath) && m_config.adminEnabled) {
        // The operator must be able to attach to a host at its connection limit:
        // admin connections have their own limit and never count as sessions.
        if (p.refuseStatus != 0) {
            p.refuseStatus = 0;
            --m_refusing;
        }
        uncount(p);
        p.admin = true;
        const int access = m_host->adminAccess(head);
        if (access == 0) {
            refuse(socket, 401, "the admin channel needs a valid token (Authorization: Bearer ... or ?token=...)");
            return;
        }
        p.adminReadOnly = access == 1;
        if (m_host->adminClientCount() >= m_config.maxAdminConnections) {
            refuse(socket, 503, "too many admin clients");
            return;
        }
    } else if (p.refuseStatus != 0) {
        refuse(socket, p.refuseStatus, p.refuseReason);
        return;
    }
    const auto [pluginId, route] = p.admin ? std::pair<QString, QString>() : m_host->routeFor(routePath);
    if (!p.admin && pluginId.isEmpty()) {
        refuse(socket, 404, "no handler serves " + head.path());
        return;
    }
    if (const int status = head.checkWebSocketHandshake(&why)) {
        refuse(socket, status, why);
        return;
    }
    if (!p.admin && !m_host->hasCapacity(pluginId, &why)) {
        refuse(socket, 503, why);
        return;
    }

    if (admit(socket, p, head, pluginId, route))
        upgrade(socket, p, head, headLength);
}

/*!
    Upgrades the connection with the host's own 101 (the head is checked and the
    subprotocol and extensions negotiated) and hands it to the host, which reads the
    frames that came along with the head first, then the rest.
*/
void HandshakeGate::upgrade(ConnectionSocket *socket, PendingHandshake &p, const RequestHead &head,
                            qsizetype headLength)
{
    disconnect(socket, nullptr, this, nullptr);
    p.earlyData = socket->read(socket->bytesAvailable()).mid(headLength);
    if (m_capture)
        m_capture->attach(socket, p);
    socket->write(upgradeResponse(head.header("Sec-WebSocket-Key"), p.subprotocol.toLatin1(), p.extensions));
    const auto it = m_pending.find(socket);
    PendingHandshake upgraded = std::move(it.value());
    forget(it);
    // The connection now counts as a session.
    if (upgraded.counted) {
        --m_pendingCounted;
        upgraded.counted = false;
    }
    // It leaves the gate's children, which only holds connections in handshake.
    socket->setParent(nullptr);
    // The head was read through a 16 KiB block that every idle connection would
    // otherwise keep. From now on Qt reads what the kernel has, not a head's worth at a
    // time: a big message comes in a few reads, not one per head size.
    socket->releaseReadBuffer();
    socket->setReadBufferSize(0);
    m_host->webSocketUpgraded(socket, upgraded);
}

void HandshakeGate::refuse(ConnectionSocket *socket, int status, const QByteArray &reason,
                           const QByteArray &publicReason)
{
    PendingHandshake &p = m_pending[socket];
    if (p.responded)
        return;
    if (p.refuseStatus == 0) {
        ++m_refusing;
        p.refuseStatus = status;
    }
    uncount(p);
    p.responded = true;
    qCInfo(lcHandshake).noquote() << "refused" << p.peerAddress << status << QString::fromUtf8(reason);
    const QByteArray body = publicReason.isEmpty() ? reason : publicReason;
    const QByteArray response = p.headOnly ? withoutBody(refusalResponse(status, body))
                                           : refusalResponse(status, body);
    log(p, status == 408 ? HandshakeRecord::Outcome::Timeout : HandshakeRecord::Outcome::Refused,
        status, response, QString::fromUtf8(reason));
    const QString peer = p.peerAddress;
    if (m_capture)
        m_capture->attach(socket, p);
    // Last: closing may end the connection at once, and take its pending entry (p) with it.
    respondAndClose(socket, response);
    m_host->refused(peer, status, QString::fromUtf8(reason));
}

void HandshakeGate::uncount(PendingHandshake &p)
{
    if (!p.counted)
        return;
    p.counted = false;
    --m_pendingCounted;
    if (p.ipCounted) {
        p.ipCounted = false;
        releaseAddress(p.peerAddress);
    }
}

void HandshakeGate::resolveForwarded(PendingHandshake &p, const RequestHead &head)
{
    const QHostAddress client = m_forwardedFor.clientAddress(p.peerHostAddress, head.headerList("Forwarded"),
                                                             head.headerList("X-Forwarded-For"));
    p.proxyAddress = p.peerAddress;
    p.peerAddress = normalizedAddress(client);
    qCDebug(lcHandshake).noquote() << "via proxy" << p.proxyAddress << "client" << p.peerAddress;
    if (!p.counted || p.refuseStatus != 0)
        return;
    if (refusedByAddressLimits(p)) {
        ++m_refusing;
        return;
    }
    p.ipCounted = true;
    ++m_connectionsPerIp[p.peerAddress];
}

bool HandshakeGate::refusedByAddressLimits(PendingHandshake &p)
{
    if (m_connectionsPerIp.value(p.peerAddress) >= m_config.maxConnectionsPerIp) {
        p.refuseStatus = 429;
        p.refuseReason = "too many connections from your address";
    } else if (!p.keptAlive && !admitConnectRate(p.peerAddress)) {   // a kept-alive request is no new connection
        p.refuseStatus = 429;
        p.refuseReason = "more than " + QByteArray::number(m_config.maxConnectsPerIpPerSecond)
                + " new connections a second from your address";
    }
    return p.refuseStatus != 0;
}

void HandshakeGate::onTimeout(ConnectionSocket *socket)
{
    auto it = m_pending.find(socket);
    if (it == m_pending.end())
        return;
    if (it->responded) {
        socket->abort();
        return;
    }
    if (it->keptAlive && socket->bytesAvailable() == 0) {
        socket->abort();   // an idle kept-alive connection: no request, nothing to log
        return;
    }
    if (it->refuseStatus != 0) {
        // Over a limit and still no complete head: say so without waiting longer.
        refuse(socket, it->refuseStatus, it->refuseReason);
        return;
    }
    qCInfo(lcHandshake).noquote() << "handshake timeout from" << it->peerAddress;
    it->requestHead = socket->peek(qMin<qint64>(socket->bytesAvailable(), m_config.maxRequestHeadBytes));
    // Where the client was going, if its request line came whole: the log's row says so.
    const qsizetype lineEnd = it->requestHead.indexOf("\r\n");
    const QList<QByteArray> requestLine = lineEnd > 0 ? it->requestHead.left(lineEnd).split(' ') : QList<QByteArray>();
    if (requestLine.size() == 3 && requestLine.at(1).startsWith('/')) {
        const QByteArray target = requestLine.at(1);
        const qsizetype query = target.indexOf('?');
        it->path = QString::fromUtf8(query < 0 ? target : target.left(query));
    }
    refuse(socket, 408, "request head not received within " + QByteArray::number(m_config.handshakeTimeoutMs) + " ms");
}

void HandshakeGate::onDeadlines()
{
    const qint64 now = m_clock.elapsed();
    while (!m_deadlines.empty() && m_deadlines.begin()->first <= now) {
        ConnectionSocket *socket = m_deadlines.begin()->second;
        m_deadlines.erase(m_deadlines.begin());
        auto it = m_pending.find(socket);
        if (it == m_pending.end())
            continue;
        it->deadline = m_deadlines.end();
        onTimeout(socket);
    }
    if (!m_deadlines.empty())
        m_deadlineTimer->start(int(std::max<qint64>(0, m_deadlines.begin()->first - now)));
}

//! Drops the pending entry \a it (and its deadline).
void HandshakeGate::forget(QHash<ConnectionSocket *, PendingHandshake>::iterator it)
{
    if (it->deadline != m_deadlines.end())
        m_deadlines.erase(it->deadline);
    m_pending.erase(it);
}

void HandshakeGate::onGone(ConnectionSocket *socket)
{
    auto it = m_pending.find(socket);
    if (it == m_pending.end())
        return;
    uncount(it.value());
    if (it->refuseStatus != 0)
        --m_refusing;
    if (!it->responded && !(it->keptAlive && socket->bytesAvailable() == 0)) {
        if (it->requestHead.isEmpty())
            it->requestHead = socket->peek(qMin<qint64>(socket->bytesAvailable(), m_config.maxRequestHeadBytes));
        log(it.value(), HandshakeRecord::Outcome::Dropped, 0, {},
            QStringLiteral("the client closed the connection before a complete request head"));
    }
    forget(it);
    socket->deleteLater();
}

//! Writes a whole HTTP response and closes once it is flushed; a peer that does not
//! take it within RefusalLingerMs is cut off.
void HandshakeGate::respondAndClose(ConnectionSocket *socket, const QByteArray &response)
{
    socket->write(response);
    socket->disconnectFromHost();
    QTimer::singleShot(RefusalLingerMs, socket, [socket] { socket->abort(); });
}

void HandshakeGate::log(PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
                        const QByteArray &response, const QString &reason, SessionId session)
{
    if (!p.http)
        m_host->logHandshake(p, outcome, status, response, reason, session);
}

} // namespace WsPlug::Internal
