// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hostserver.h>

#include "adminchannel_p.h"
#include "hostserver_p.h"
#include "logging_p.h"
#include "metrics_p.h"

#include <wsplug/sdk/messagehandlerinterface.h>

#include <wsplug/protocol/adminprotocol.h>

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QUrlQuery>
#include <QWebSocketServer>

#include <algorithm>
#include <cstring>
#include <exception>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace WsPlug {

Q_LOGGING_CATEGORY(lcHost, "wsplug.host", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPlugins, "wsplug.plugins", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHandshake, "wsplug.handshake", QtInfoMsg)

using namespace Internal;

namespace {

// Refused connections linger until the response is flushed; past this many at once
// new ones are dropped outright, so a flood cannot pin file descriptors.
constexpr int MaxRefusing = 256;
// How long a refused connection may take to read its response.
constexpr int RefusalLingerMs = 2000;
// The longest reason a close frame can carry (125 bytes minus the 2-byte code).

QString normalizedAddress(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

QString peerKey(const QString &address, quint16 port)
{
    return address + QLatin1Char('|') + QString::number(port);
}

QString truncatedReason(const QString &reason)
{
    QByteArray utf8 = reason.toUtf8();
    if (utf8.size() <= Protocol::MaxCloseReasonBytes)
        return reason;
    utf8.truncate(Protocol::MaxCloseReasonBytes);
    // Do not cut a multi-byte sequence in half.
    while (!utf8.isEmpty() && (static_cast<unsigned char>(utf8.back()) & 0xC0) == 0x80)
        utf8.chop(1);
    if (!utf8.isEmpty() && (static_cast<unsigned char>(utf8.back()) & 0x80))
        utf8.chop(1);
    return QString::fromUtf8(utf8);
}

//! \a head with the admin token masked (same length, so offsets stay true): the value of
//! a "token" query parameter and of an Authorization header.
QByteArray redactedAdminRequest(QByteArray head)
{
    auto mask = [&head](qsizetype from, qsizetype to) {
        for (qsizetype i = from; i < to; ++i)
            head[i] = '*';
    };
    // The query of the request target ("GET /_admin?a=1&token=... HTTP/1.1"). Keys are
    // compared percent-decoded, as checkAdminToken()'s QUrlQuery compares them: a
    // token accepted under "%74oken" must be masked too.
    const qsizetype lineEnd = head.indexOf("\r\n");
    const qsizetype targetStart = head.indexOf(' ') + 1;
    qsizetype targetEnd = head.indexOf(' ', targetStart);
    if (targetEnd < 0 || (lineEnd >= 0 && targetEnd > lineEnd))
        targetEnd = lineEnd >= 0 ? lineEnd : head.size();
    const qsizetype fragment = head.indexOf('#', targetStart);
    if (fragment >= 0 && fragment < targetEnd)
        targetEnd = fragment;
    const qsizetype query = head.indexOf('?', targetStart);
    for (qsizetype at = query + 1; query >= 0 && query < targetEnd && at < targetEnd;) {
        qsizetype end = head.indexOf('&', at);
        if (end < 0 || end > targetEnd)
            end = targetEnd;
        const qsizetype equals = head.indexOf('=', at);
        if (equals >= 0 && equals < end && QByteArray::fromPercentEncoding(head.mid(at, equals - at)) == "token")
            mask(equals + 1, end);
        at = end + 1;
    }
    for (qsizetype at = 0; (at = head.indexOf("\r\n", at)) >= 0 && at + 2 < head.size(); at += 2) {
        const qsizetype start = at + 2;
        if (head.mid(start, 14).compare("Authorization:", Qt::CaseInsensitive) != 0)
            continue;
        const qsizetype end = head.indexOf("\r\n", start);
        qsizetype value = start + 14;
        while (value < end && head[value] == ' ')
            ++value;
        const qsizetype space = head.indexOf(' ', value);   // keep the scheme ("Bearer")
        mask(space > 0 && space < end ? space + 1 : value, end);
    }
    return head;
}

} // namespace

qint64 RecordingSocket::writeData(const char *data, qint64 len)
{
    const qint64 written = writeNow(data, len);
    if (onWritten)
        onWritten();
    return written;
}

qint64 RecordingSocket::writeNow(const char *data, qint64 len)
{
    if (m_recording) {
        constexpr qsizetype cap = 16 * 1024;
        responseHead.append(data, qMin<qint64>(len, cap - responseHead.size()));
        const qsizetype end = responseHead.indexOf("\r\n\r\n");
        if (end >= 0) {
            responseHead.truncate(end + 4);
            m_recording = false;
        } else if (responseHead.size() >= cap) {
            m_recording = false;
        }
    }
    // Fast path: with nothing queued in Qt's buffer, hand the bytes to the kernel at
    // once. A buffered write costs a copy and switching the write notifier on and off
    // again (two epoll_ctl calls per message); most writes fit the kernel buffer.
    if (len > 0 && bytesToWrite() == 0 && state() == QAbstractSocket::ConnectedState) {
        const ssize_t n = ::send(int(socketDescriptor()), data, size_t(len), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == len)
            return len;
        if (n > 0) {
            const qint64 rest = QTcpSocket::writeData(data + n, len - n);
            return rest < 0 ? qint64(n) : qint64(n) + rest;
        }
        // EAGAIN or an error: Qt buffers it, or meets and reports the error itself.
    }
    return QTcpSocket::writeData(data, len);
}

void RecordingSocket::close()
{
    // Nothing that arrives from now on is for QWebSocket: it has closed. (Filtered
    // bytes left over would also keep bytesAvailable() above 0 on a closed device.)
    stopFiltering();
    // Not armed, already lingering (a second close() or an abort(), which Qt implements
    // through close()), or not connected: close at once.
    if (m_lingerMs <= 0 || m_lingering || state() != QAbstractSocket::ConnectedState) {
        m_lingerMs = 0;
        QTcpSocket::close();
        return;
    }
    m_lingering = true;
    // Drain what arrives so that the final close() finds no unread input (which would
    // make it a reset).
    disconnect(this, &QIODevice::readyRead, nullptr, nullptr);
    connect(this, &QIODevice::readyRead, this, [this] { skip(bytesAvailable()); });
    skip(bytesAvailable());
    shutdownWriteWhenFlushed();
    // The peer answers our FIN with its own: Qt reads end-of-file, and the socket is
    // then closed for good (disconnected() follows). A peer that never does is cut off.
    QTimer::singleShot(m_lingerMs, this, [this] {
        if (state() != QAbstractSocket::UnconnectedState)
            abort();
    });
}

void RecordingSocket::shutdownWriteWhenFlushed()
{
    flush();
    if (bytesToWrite() == 0) {
        ::shutdown(int(socketDescriptor()), SHUT_WR);
        return;
    }
    connect(this, &QAbstractSocket::bytesWritten, this, [this] {
        if (bytesToWrite() == 0)
            ::shutdown(int(socketDescriptor()), SHUT_WR);
    });
}

void RecordingSocket::startFiltering(const QByteArray &earlyData, qint64 maxJoinedBytes,
                                     std::function<void(const QString &)> onUnmaskedFrame)
{
    if (m_lingering || state() != QAbstractSocket::ConnectedState)
        return;   // closed already (a plugin may close a session as it opens)
    m_filter = ClientFrameFilter(maxJoinedBytes);
    m_onUnmaskedFrame = std::move(onUnmaskedFrame);
    m_filtering = true;
    // Reads must come to readData() as they are asked for: a buffering QIODevice would
    // keep filtered bytes in the buffer Qt's socket fills with raw ones. QTcpSocket
    // still reads the kernel into that buffer (it decides that by a flag of its own,
    // set at construction); only QIODevice's read path changes. That is Qt 6.4's
    // behaviour, not its documentation: the conformance and hostile tests exercise it.
    setOpenMode(openMode() | QIODevice::Unbuffered);
    feedFilter(earlyData.constData(), earlyData.size());
}

void RecordingSocket::stopFiltering()
{
    m_filtering = false;
    m_plain = QByteArray();
    m_plainRead = 0;
}

qint64 RecordingSocket::bytesAvailable() const
{
    if (!m_filtering)
        return QTcpSocket::bytesAvailable();
    const_cast<RecordingSocket *>(this)->filterReceived();
    return m_plain.size() - m_plainRead;
}

void RecordingSocket::filterReceived()
{
    qint64 left = QTcpSocket::bytesAvailable();
    if (left <= 0)
        return;   // the common case: QWebSocket asks again within what it has
    // QWebSocket reads whole frames only, so a read may stop inside one: before adding,
    // drop what it has read once that is half of the buffer (amortised, not per read).
    if (m_plainRead > 0 && m_plainRead >= m_plain.size() / 2) {
        m_plain.remove(0, m_plainRead);
        m_plainRead = 0;
    }
    char chunk[16 * 1024];
    m_readingRaw = true;
    while (left > 0) {
        const qint64 n = QIODevice::read(chunk, qMin<qint64>(left, sizeof chunk));
        if (n <= 0)
            break;
        feedFilter(chunk, qsizetype(n));
        left -= n;
    }
    m_readingRaw = false;
}

void RecordingSocket::feedFilter(const char *data, qsizetype size)
{
    if (size == 0 || m_filter.failed())
        return;
    if (!m_filter.feed(data, size, &m_plain) && m_onUnmaskedFrame) {
        // Not from inside QWebSocket's read: it is in the middle of a frame.
        QMetaObject::invokeMethod(this, [this] {
            if (m_filtering && m_onUnmaskedFrame)   // not if closing meanwhile
                m_onUnmaskedFrame(m_filter.error());
        }, Qt::QueuedConnection);
    }
}

qint64 RecordingSocket::readData(char *data, qint64 maxSize)
{
    if (!m_filtering || m_readingRaw)
        return QTcpSocket::readData(data, maxSize);
    const qint64 n = qMin<qint64>(maxSize, m_plain.size() - m_plainRead);
    if (n <= 0)
        return 0;
    std::memcpy(data, m_plain.constData() + m_plainRead, size_t(n));
    m_plainRead += n;
    if (m_plainRead == m_plain.size()) {
        // Keep a small buffer for the next message; give a big one back (idle
        // connections are most connections).
        if (m_plain.capacity() > 4096)
            m_plain = QByteArray();
        else
            m_plain.resize(0);
        m_plainRead = 0;
    }
    return n;
}

HostServerPrivate::HostServerPrivate(HostServer *q)
    : q(q)
{
    m_clock.start();
}

HostServerPrivate::~HostServerPrivate() = default;

HostServer::HostServer(QObject *parent)
    : QObject(parent), d(std::make_unique<HostServerPrivate>(this))
{
    qRegisterMetaType<WsPlug::SessionSnapshot>();
    qRegisterMetaType<WsPlug::HandshakeRecord>();
    qRegisterMetaType<WsPlug::RateSample>();
    d->heartbeat.setParent(this);
    d->shutdownTimer.setParent(this);
    d->shutdownTimer.setSingleShot(true);
    d->statsTimer.setParent(this);
    connect(&d->heartbeat, &QTimer::timeout, this, [this] { d->onHeartbeat(); });
    connect(&d->statsTimer, &QTimer::timeout, this, [this] { d->onStatsTick(); });
    connect(&d->shutdownTimer, &QTimer::timeout, this, [this] { d->finishStop(); });
}

/*!
    Destroying a running host stops it at once: sessions are aborted (no grace
    period, since there is no event loop left to wait in) and plugins shut down.
*/
HostServer::~HostServer()
{
    if (d->running) {
        d->stopping = true;
        d->finishStop();
    }
    // The timers are members of d but children of this: detach before QObject
    // deletes children.
    d->heartbeat.setParent(nullptr);
    d->shutdownTimer.setParent(nullptr);
    d->statsTimer.setParent(nullptr);
}

void HostServer::setConfig(const HostConfig &config)
{
    d->config = config;
}

HostConfig HostServer::config() const
{
    return d->config;
}

QString HostServer::errorString() const
{
    return d->errorString;
}

bool HostServer::isListening() const
{
    return d->listener && d->listener->isListening();
}

bool HostServer::isRunning() const
{
    return d->running;
}

QHostAddress HostServer::serverAddress() const
{
    return d->listener ? d->listener->serverAddress() : QHostAddress();
}

quint16 HostServer::serverPort() const
{
    return d->listener ? d->listener->serverPort() : 0;
}

const PluginRegistry &HostServer::plugins() const
{
    return d->registry;
}

/*!
    Loads the plugins from the configured directories, initializes them and starts
    listening. Plugins that are refused are reported by plugins().refused(); they
    never make start() fail. start() fails only if the configuration is invalid or
    the address cannot be bound; errorString() then says why in one line.
*/
bool HostServer::start()
{
    if (d->running) {
        d->errorString = QStringLiteral("already running");
        return false;
    }
    if (!d->config.validate(&d->errorString))
        return false;

    d->listener = new TcpListener(this);
    d->listener->onIncoming = [this](qintptr fd) { d->onIncoming(fd); };
    d->listener->setListenBacklogSize(d->config.listenBacklog);
    // Accepting is cheap and the host never pauses it: refusals happen at the HTTP level.
    d->listener->setMaxPendingConnections(std::numeric_limits<int>::max());
    if (!d->listener->listen(d->config.address, d->config.port)) {
        d->errorString = QStringLiteral("cannot listen on %1:%2: %3")
                             .arg(d->config.address.toString()).arg(d->config.port)
                             .arg(d->listener->errorString());
        delete d->listener;
        d->listener = nullptr;
        return false;
    }

    d->webSocketServer = new QWebSocketServer(QStringLiteral("wsplug/" WSPLUG_VERSION),
                                              QWebSocketServer::NonSecureMode, this);
    connect(d->webSocketServer, &QWebSocketServer::newConnection, this, [this] { d->onUpgraded(); });

    d->registry.load(d->config.pluginDirs.isEmpty() ? PluginRegistry::defaultPluginDirs()
                                                    : d->config.pluginDirs);
    d->initializePlugins();

    d->stats = HostStats();
    d->stats.startedAt = QDateTime::currentDateTimeUtc();
    d->routeStats.clear();
    for (const PluginMetadata &md : d->registry.loaded()) {
        for (const QString &route : md.routes) {
            RouteStats &rs = d->routeStats[route];
            rs.route = route;
            rs.pluginId = md.id;
        }
    }
    d->handshakeLog.clear();
    d->rateHistory.clear();
    d->recentTotals.clear();
    d->statsTimer.start(d->config.statsTickMs);

    // The admin token is compared through an HMAC with a per-run key, so that the
    // comparison time says nothing about the token.
    d->macKey = QByteArray::number(QRandomGenerator::system()->generate64(), 16)
              + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    d->adminToken = d->config.adminToken;
    if (d->adminToken.isEmpty()) {
        QByteArray random(24, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
        d->adminToken = QString::fromLatin1(random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    }
    d->adminTokenMac = QMessageAuthenticationCode::hash(d->adminToken.toUtf8(), d->macKey, QCryptographicHash::Sha256);
    if (d->config.adminEnabled)
        d->admin = new AdminChannel(d.get());

    d->running = true;
    d->stopping = false;
    if (d->config.pingIntervalMs > 0) {
        // One timer for all sessions: each tick pings the sessions that are due and
        // reaps those whose pong is overdue. Its period bounds the timing error.
        const int tick = std::clamp(std::min(d->config.pingIntervalMs, d->config.pongTimeoutMs) / 4, 20, 1000);
        d->heartbeat.start(tick);
    }
    qCInfo(lcHost).noquote() << "listening on" << serverAddress().toString() + QLatin1Char(':') + QString::number(serverPort());
    return true;
}

void HostServerPrivate::initializePlugins()
{
    for (const PluginMetadata &md : registry.loaded()) {
        auto context = std::make_unique<PluginContext>(this, md.id, config.pluginSettings.value(md.id).toMap());
        MessageHandlerInterface *handler = registry.handler(md.id);
        QString why;
        bool ok = false;
        try {
            ok = handler->initialize(context.get(), &why);
        } catch (const std::exception &e) {
            why = QStringLiteral("threw %1").arg(QString::fromLocal8Bit(e.what()));
        } catch (...) {
            why = QStringLiteral("threw an unknown exception");
        }
        if (!ok) {
            registry.refuse(md.id, QStringLiteral("initialize() failed: %1").arg(why.isEmpty() ? QStringLiteral("no reason given") : why));
            continue;
        }
        initializedPlugins.append(md.id);
        contexts[md.id] = std::move(context);
    }
}

void HostServerPrivate::shutdownPlugins()
{
    for (auto it = initializedPlugins.crbegin(); it != initializedPlugins.crend(); ++it) {
        if (MessageHandlerInterface *handler = registry.handler(*it)) {
            try {
                handler->aboutToShutdown();
            } catch (...) {
                qCWarning(lcPlugins).noquote() << "plugin" << *it << "threw in aboutToShutdown()";
            }
        }
    }
    initializedPlugins.clear();
    registry.unloadAll();
    contexts.clear();
}

// ---- handshakes --------------------------------------------------------------

void HostServerPrivate::onIncoming(qintptr socketDescriptor)
{
    auto *socket = new RecordingSocket(q);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcHost) << "cannot adopt accepted socket:" << socket->errorString();
        ::close(int(socketDescriptor));
        delete socket;
        return;
    }
    if (stopping) {
        socket->abort();
        socket->deleteLater();
        return;
    }

    PendingHandshake p;
    p.peerAddress = normalizedAddress(socket->peerAddress());
    p.peerPort = socket->peerPort();
    p.acceptedAtMs = nowMs();
    p.acceptedAt = QDateTime::currentDateTimeUtc();
    if (sessions.size() + pendingCounted >= config.maxConnections) {
        p.refuseStatus = 503;
        p.refuseReason = "the server is at its connection limit";
    } else if (connectionsPerIp.value(p.peerAddress) >= config.maxConnectionsPerIp) {
        p.refuseStatus = 429;
        p.refuseReason = "too many connections from your address";
    }
    if (p.refuseStatus != 0) {
        if (refusing >= MaxRefusing) {
            logHandshake(p, HandshakeRecord::Outcome::Dropped, 0, {},
                         QStringLiteral("dropped: %1 refusals already in flight").arg(MaxRefusing));
            socket->abort();
            socket->deleteLater();
            return;
        }
        ++refusing;
    } else {
        p.counted = true;
        ++pendingCounted;
        ++connectionsPerIp[p.peerAddress];
    }
    const int timeout = p.refuseStatus ? std::min(config.handshakeTimeoutMs, RefusalLingerMs)
                                       : config.handshakeTimeoutMs;
    pending.insert(socket, p);

    // Never buffer more than a head's worth before deciding.
    socket->setReadBufferSize(config.maxRequestHeadBytes + 1);
    QObject::connect(socket, &QTcpSocket::readyRead, q, [this, socket] { onPendingReadyRead(socket); });
    QObject::connect(socket, &QTcpSocket::disconnected, q, [this, socket] { onPendingGone(socket); });
    QTimer::singleShot(timeout, socket, [this, socket] { onPendingTimeout(socket); });
    if (socket->bytesAvailable() > 0)
        onPendingReadyRead(socket);
}

void HostServerPrivate::onPendingReadyRead(RecordingSocket *socket)
{
    auto it = pending.find(socket);
    if (it == pending.end())
        return;
    PendingHandshake &p = it.value();
    if (p.responded) {
        socket->skip(socket->bytesAvailable());   // lingering: drain so the peer's close is seen
        return;
    }
    if (p.handedOver)
        return;

    const QByteArray data = socket->peek(socket->bytesAvailable());
    const qsizetype headLength = RequestHead::headLength(data);
    if (headLength < 0) {
        if (data.size() > config.maxRequestHeadBytes)
            refuse(socket, 431, "request head larger than " + QByteArray::number(config.maxRequestHeadBytes) + " bytes");
        return;
    }
    if (headLength > config.maxRequestHeadBytes) {
        refuse(socket, 431, "request head larger than " + QByteArray::number(config.maxRequestHeadBytes) + " bytes");
        return;
    }
    p.requestHead = data.left(headLength);

    RequestHead head;
    QByteArray why;
    if (!head.parse(p.requestHead, &why)) {
        refuse(socket, 400, why);
        return;
    }
    const QString path = QString::fromUtf8(head.path());
    p.path = path;
    if (answerHttp(socket, head))
        return;
    if (path == QLatin1String(Protocol::AdminPath) && config.adminEnabled) {
        // The operator must be able to attach to a host at its connection limit:
        // admin connections have their own limit and never count as sessions.
        if (p.refuseStatus != 0) {
            p.refuseStatus = 0;
            --refusing;
        }
        uncount(p);
        p.admin = true;
        if (!checkAdminToken(head)) {
            refuse(socket, 401, "the admin channel needs a valid token (Authorization: Bearer ... or ?token=...)");
            return;
        }
        if (admin->clientCount() + int(std::count_if(pending.cbegin(), pending.cend(), [](const PendingHandshake &o) {
                return o.admin && o.handedOver; })) >= config.maxAdminConnections) {
            refuse(socket, 503, "too many admin clients");
            return;
        }
    } else if (p.refuseStatus != 0) {
        refuse(socket, p.refuseStatus, p.refuseReason);
        return;
    }
    const auto [pluginId, route] = p.admin ? std::pair<QString, QString>() : registry.match(path);
    if (!p.admin && (pluginId.isEmpty() || !contexts.count(pluginId))) {
        refuse(socket, 404, "no handler serves " + head.path());
        return;
    }
    if (const int status = head.checkWebSocketHandshake(&why)) {
        refuse(socket, status, why);
        return;
    }

    p.query = QString::fromUtf8(head.query());
    p.pluginId = pluginId;
    p.route = route;
    p.handedOver = true;
    handedOverByPeer.insert(peerKey(p.peerAddress, p.peerPort), socket);
    QObject::disconnect(socket, &QTcpSocket::readyRead, q, nullptr);
    // Qt must see the head and nothing after it: it would process frames that came
    // with the head before the session exists (and drop them). Hold them back, and
    // read nothing more from the kernel, until the session is set up (onUpgraded).
    if (socket->bytesAvailable() > headLength) {
        const QByteArray buffered = socket->read(socket->bytesAvailable());
        p.earlyData = buffered.mid(headLength);
        for (qsizetype i = headLength - 1; i >= 0; --i)
            socket->ungetChar(buffered.at(i));
    }
    socket->setReadBufferSize(headLength);
    webSocketServer->handleConnection(socket);
}

void HostServerPrivate::refuse(RecordingSocket *socket, int status, const QByteArray &reason)
{
    PendingHandshake &p = pending[socket];
    if (p.responded)
        return;
    if (p.refuseStatus == 0) {
        ++refusing;
        p.refuseStatus = status;
    }
    uncount(p);
    p.responded = true;
    qCInfo(lcHandshake).noquote() << "refused" << p.peerAddress << status << QString::fromUtf8(reason);
    const QByteArray response = refusalResponse(status, reason);
    logHandshake(p, status == 408 ? HandshakeRecord::Outcome::Timeout : HandshakeRecord::Outcome::Refused,
                 status, response, QString::fromUtf8(reason));
    const QString peer = p.peerAddress;
    // Last: closing may end the connection at once, and take its pending entry (p) with it.
    respondAndClose(socket, response);
    Q_EMIT q->handshakeRefused(peer, status, QString::fromUtf8(reason));
}

void HostServerPrivate::uncount(PendingHandshake &p)
{
    if (!p.counted)
        return;
    p.counted = false;
    --pendingCounted;
    auto it = connectionsPerIp.find(p.peerAddress);
    if (it != connectionsPerIp.end() && --it.value() <= 0)
        connectionsPerIp.erase(it);
}

void HostServerPrivate::onPendingTimeout(RecordingSocket *socket)
{
    auto it = pending.find(socket);
    if (it == pending.end())
        return;
    if (it->responded || it->handedOver) {
        socket->abort();
        return;
    }
    if (it->refuseStatus != 0) {
        // Over a limit and still no complete head: say so without waiting longer.
        refuse(socket, it->refuseStatus, it->refuseReason);
        return;
    }
    qCInfo(lcHandshake).noquote() << "handshake timeout from" << it->peerAddress;
    it->requestHead = socket->peek(qMin<qint64>(socket->bytesAvailable(), config.maxRequestHeadBytes));
    refuse(socket, 408, "request head not received within " + QByteArray::number(config.handshakeTimeoutMs) + " ms");
}

void HostServerPrivate::onPendingGone(RecordingSocket *socket)
{
    auto it = pending.find(socket);
    if (it == pending.end())
        return;
    uncount(it.value());
    if (it->refuseStatus != 0)
        --refusing;
    if (it->handedOver) {
        // Qt refused the upgrade itself; what it sent was recorded by the socket.
        const QByteArray response = socket->responseHead;
        const int status = response.startsWith("HTTP/1.1 ") ? response.mid(9, 3).toInt() : 0;
        logHandshake(it.value(), HandshakeRecord::Outcome::Refused, status, response,
                     QStringLiteral("refused by Qt WebSockets"));
    } else if (!it->responded) {
        if (it->requestHead.isEmpty())
            it->requestHead = socket->peek(qMin<qint64>(socket->bytesAvailable(), config.maxRequestHeadBytes));
        logHandshake(it.value(), HandshakeRecord::Outcome::Dropped, 0, {},
                     QStringLiteral("the client closed the connection before a complete request head"));
    }
    if (it->handedOver)
        handedOverByPeer.remove(peerKey(it->peerAddress, it->peerPort));
    const bool handedOver = it->handedOver;
    pending.erase(it);
    // A socket given to Qt is Qt's to delete (it deletes it on disconnect).
    if (!handedOver)
        socket->deleteLater();
}

void HostServerPrivate::onUpgraded()
{
    while (QWebSocket *ws = webSocketServer->nextPendingConnection()) {
        const QString key = peerKey(normalizedAddress(ws->peerAddress()), ws->peerPort());
        RecordingSocket *socket = handedOverByPeer.take(key);
        auto it = socket ? pending.find(socket) : pending.end();
        if (it == pending.end() || stopping) {
            ws->abort();
            ws->deleteLater();
            continue;
        }
        PendingHandshake p = it.value();
        pending.erase(it);
        QObject::disconnect(socket, nullptr, q, nullptr);
        // The handshake is done: the connection now counts as a session.
        if (p.counted) {
            --pendingCounted;
            p.counted = false;
        }
        qCDebug(lcHandshake).noquote() << "upgraded" << p.peerAddress << p.path
                                       << QString::fromLatin1(socket->responseHead.left(12));
        if (p.admin) {
            logHandshake(p, HandshakeRecord::Outcome::Upgraded, 101, socket->responseHead, QStringLiteral("admin"));
            admin->attach(ws);
        } else {
            const SessionId id = nextSessionId;   // openSession() takes it
            logHandshake(p, HandshakeRecord::Outcome::Upgraded, 101, socket->responseHead, QString(), id);
            openSession(ws, socket, p);
        }
        // Now that the session listens, give Qt what arrived along with the head.
        // Joined text fragments must pass Qt's frame limit (set by openSession() or attach()).
        socket->startFiltering(p.earlyData, qint64(ws->maxAllowedIncomingFrameSize()),
                               [ws = QPointer<QWebSocket>(ws)](const QString &why) {
            if (ws && ws->state() == QAbstractSocket::ConnectedState)
                ws->close(QWebSocketProtocol::CloseCodeProtocolError, why);
        });
        socket->setReadBufferSize(0);
        if (socket->bytesAvailable() > 0)
            Q_EMIT socket->readyRead();
    }
}

//! Writes a whole HTTP response and closes once it is flushed; a peer that does not
//! take it within RefusalLingerMs is cut off.
void HostServerPrivate::respondAndClose(RecordingSocket *socket, const QByteArray &response)
{
    socket->write(response);
    socket->disconnectFromHost();
    QTimer::singleShot(RefusalLingerMs, socket, [socket] { socket->abort(); });
}

bool HostServerPrivate::answerHttp(RecordingSocket *socket, const RequestHead &head)
{
    if (!config.metricsEnabled || head.method() != "GET" || head.isWebSocketUpgrade())
        return false;
    QByteArray body;
    QByteArray contentType = "text/plain; charset=utf-8";
    int status = 200;
    if (head.path() == "/metrics") {
        ++stats.httpRequests;
        HostStats st = currentStats();
        --st.pendingHandshakes;   // not this request
        body = Internal::renderPrometheus(st);
        contentType = "text/plain; version=0.0.4; charset=utf-8";
    } else if (head.path() == "/healthz") {
        ++stats.httpRequests;
        body = "ok\n";
    } else if (head.path() == "/readyz") {
        ++stats.httpRequests;
        const bool ready = running && !stopping && !contexts.empty();
        status = ready ? 200 : 503;
        body = ready ? "ready\n" : (stopping ? "stopping\n" : "no plugins loaded\n");
    } else {
        return false;
    }
    PendingHandshake &p = pending[socket];
    p.http = true;
    p.responded = true;
    if (p.refuseStatus != 0) {
        p.refuseStatus = 0;
        --refusing;
    }
    uncount(p);
    respondAndClose(socket, "HTTP/1.1 " + QByteArray::number(status) + ' '
                                + (status == 200 ? QByteArray("OK") : httpReasonPhrase(status))
                                + "\r\nContent-Type: " + contentType
                                + "\r\nContent-Length: " + QByteArray::number(body.size())
                                + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + body);
    return true;
}

bool HostServerPrivate::checkAdminToken(const RequestHead &head) const
{
    QByteArray given;
    const QByteArray authorization = head.header("Authorization");
    if (authorization.size() > 7 && authorization.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        given = authorization.mid(7).trimmed();
    else
        given = QUrlQuery(QString::fromUtf8(head.query())).queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8();
    if (given.isEmpty())
        return false;
    // Compare MACs, byte by byte without an early exit: the time taken does not
    // depend on how much of the token was right.
    const QByteArray mac = QMessageAuthenticationCode::hash(given, macKey, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (qsizetype i = 0; i < mac.size(); ++i)
        diff |= static_cast<unsigned char>(mac[i] ^ adminTokenMac[i]);
    return diff == 0;
}

void HostServerPrivate::logHandshake(PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
                                     const QByteArray &response, const QString &reason, SessionId session)
{
    if (p.http)
        return;
    HandshakeRecord r;
    r.id = nextHandshakeId++;
    r.time = p.acceptedAt;
    r.peerAddress = p.peerAddress;
    r.peerPort = p.peerPort;
    // Admin requests carry the token: the log (shown on projectors, sent to every
    // admin client) gets the request with the token's bytes masked.
    r.request = p.admin ? redactedAdminRequest(p.requestHead) : p.requestHead;
    r.response = response;
    r.status = status;
    r.outcome = outcome;
    r.reason = reason;
    r.durationMs = nowMs() - p.acceptedAtMs;
    r.path = p.path;
    r.pluginId = p.pluginId;
    r.sessionId = session;
    r.admin = p.admin;
    ++stats.handshakesByStatus[status];
    handshakeLog.push_back(r);
    while (int(handshakeLog.size()) > config.handshakeLogSize)
        handshakeLog.pop_front();
    if (admin)
        admin->handshakeLogged(r);
    Q_EMIT q->handshakeLogged(r);
}

void HostServerPrivate::countClose(Session *s)
{
    const SessionSnapshot &snap = s->snapshot;
    ++stats.closed;
    ++stats.closesByCodeAndCause[QString::number(snap.closeCode) + QLatin1Char('/') + closeCauseName(snap.closeCause)];
    --s->routeStats->current;
    ++s->routeStats->closed;
}

HostStats HostServerPrivate::currentStats() const
{
    HostStats st = stats;
    st.currentSessions = int(sessions.size());
    st.pendingHandshakes = int(pending.size());
    st.adminClients = admin ? admin->clientCount() : 0;
    for (const auto &[route, rs] : routeStats)
        st.routes.append(rs);
    return st;
}

void HostServerPrivate::onStatsTick()
{
    // Rates are averaged over the last second (RateWindowMs), not over one tick: a
    // client that sends every 400 ms would otherwise show as 0, 2.5/s, 0, 5/s...
    constexpr qint64 RateWindowMs = 1000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    TotalsMark mark;
    mark.timeMs = now;
    mark.in = stats.in;
    mark.out = stats.out;
    for (const auto &[route, rs] : routeStats)
        mark.routeMessages.insert(route, {rs.in.messages, rs.out.messages});
    recentTotals.push_back(mark);
    while (recentTotals.size() > 2 && now - recentTotals[1].timeMs >= RateWindowMs)
        recentTotals.pop_front();
    const TotalsMark &from = recentTotals.front();
    const double seconds = std::max<qint64>(1, now - from.timeMs) / 1000.0;
    const bool first = recentTotals.size() < 2;

    RateSample sample;
    sample.timeMs = now;
    sample.connections = int(sessions.size());
    if (!first) {
        sample.messagesIn = double(mark.in.messages - from.in.messages) / seconds;
        sample.messagesOut = double(mark.out.messages - from.out.messages) / seconds;
        sample.framesIn = double(mark.in.frames - from.in.frames) / seconds;
        sample.framesOut = double(mark.out.frames - from.out.frames) / seconds;
        sample.bytesIn = double(mark.in.bytes - from.in.bytes) / seconds;
        sample.bytesOut = double(mark.out.bytes - from.out.bytes) / seconds;
    }
    for (const auto &[route, rs] : routeStats) {
        const auto old = from.routeMessages.value(route, {rs.in.messages, rs.out.messages});
        sample.routes.insert(route, {rs.current, first ? 0.0 : double(rs.in.messages - old.first) / seconds,
                                     first ? 0.0 : double(rs.out.messages - old.second) / seconds});
    }

    rateHistory.push_back(sample);
    const auto maxSamples = size_t(std::max(1, config.rateHistorySeconds * 1000 / config.statsTickMs));
    while (rateHistory.size() > maxSamples)
        rateHistory.pop_front();
    if (admin)
        admin->tick(sample);
    Q_EMIT q->statsSampled(sample);
}

// ---- sessions ----------------------------------------------------------------

template <typename Call>
void HostServerPrivate::callPlugin(Session *s, Call &&call)
{
    QString what;
    PluginCallGuard guard(this);
    try {
        call();
        return;
    } catch (const std::exception &e) {
        what = QString::fromLocal8Bit(e.what());
    } catch (...) {
        what = QStringLiteral("unknown exception");
    }
    qCWarning(lcPlugins).noquote() << "plugin" << s->snapshot.pluginId << "threw:" << what;
    if (!s->finished)
        requestClose(s, 1011, QStringLiteral("internal error in the handler"), CloseCause::Server);
}

void HostServerPrivate::openSession(QWebSocket *ws, RecordingSocket *tcp, const PendingHandshake &p)
{
    auto *s = new Session(ws, q);
    s->tcp = tcp;
    tcp->responseHead = QByteArray();   // logged already; do not keep it per connection
    // Qt answers pings itself: a peer that pings and never reads must meet the same
    // backlog limit as one that is sent messages. Never abort from inside Qt's write.
    tcp->onWritten = [this, s] {
        if (s->finished || s->backlogAbortQueued || !s->tcp || unsentBytes(s->tcp) <= config.maxSendBacklogBytes)
            return;
        s->backlogAbortQueued = true;
        QTimer::singleShot(0, s, [this, s] {
            if (!s->finished)
                abortSession(s, CloseCause::Backlog, QStringLiteral("send backlog limit exceeded"));
        });
    };
    // Messages are whole frames written at once: send them now, not after Nagle's delay.
    tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    s->handler = registry.handler(p.pluginId);
    s->context = contexts.at(p.pluginId).get();

    SessionInfo &info = s->snapshot.info;
    info.id = nextSessionId++;
    info.path = p.path;
    info.query = p.query;
    info.route = p.route;
    info.peerAddress = p.peerAddress;
    info.peerPort = p.peerPort;
    info.subprotocol = ws->subprotocol();
    info.connectedAt = QDateTime::currentDateTimeUtc();
    s->snapshot.pluginId = p.pluginId;
    s->lastActivityMs = info.connectedAt.toMSecsSinceEpoch();
    s->routeStats = &routeStats[p.route];
    s->routeStats->route = p.route;
    s->routeStats->pluginId = p.pluginId;
    ++s->routeStats->current;
    ++s->routeStats->opened;
    ++stats.opened;
    // The first ping comes at a random point in the second half of the interval:
    // thousands of sessions opened in one burst would otherwise all be pinged (and
    // answer) in the same heartbeat tick, a stall of tens of ms every interval.
    s->lastPingAtMs = nowMs() - QRandomGenerator::global()->bounded(qMax(config.pingIntervalMs / 2, 1));

    ws->setMaxAllowedIncomingFrameSize(quint64(config.maxFrameBytes));
    ws->setMaxAllowedIncomingMessageSize(quint64(config.maxMessageBytes));

    QObject::connect(ws, &QWebSocket::textMessageReceived, s, [this, s](const QString &text) { onTextMessage(s, text); });
    QObject::connect(ws, &QWebSocket::binaryMessageReceived, s, [this, s](const QByteArray &data) { onBinaryMessage(s, data); });
    QObject::connect(ws, &QWebSocket::pong, s, [this, s](quint64 elapsed) {
        s->awaitingPong = false;
        s->snapshot.pingRttMs = qint64(elapsed);
        s->lastPingAtMs = nowMs();
        s->dirty = true;
        ++stats.pongsReceived;
        int bucket = 0;
        while (bucket < PingRttBucketCount - 1 && qint64(elapsed) > PingRttBucketsMs[bucket])
            ++bucket;
        ++stats.pingRttBuckets[bucket];
        ++stats.pingRttCount;
        stats.pingRttSumMs += double(elapsed);
    });
    QObject::connect(ws, &QWebSocket::aboutToClose, s, [this, s] {
        s->closingSeen = true;
        // Qt sends the close frame and then closes TCP: linger so the peer can read it.
        if (s->tcp && !s->finished)
            s->tcp->armLingeringClose(std::max(config.shutdownGraceMs, 1000));
    });
    QObject::connect(ws, &QWebSocket::disconnected, s, [this, s] { finishSession(s); });

    sessions.insert(info.id, s);
    s->context->sessionIds.insert(info.id);
    qCDebug(lcHost) << "session" << info.id << "opened" << p.peerAddress << p.path;

    callPlugin(s, [s] { s->handler->sessionOpened(s->snapshot.info); });
    // A session the plugin refused at once (it closed it, or threw) is not announced.
    if (!s->finished && s->snapshot.state == SessionSnapshot::State::Open) {
        if (admin)
            admin->sessionOpened(s->view());
        Q_EMIT q->sessionOpened(s->view());
    }
}


void HostServerPrivate::countReceivedFrames(Session *s)
{
    // Frames and bytes as the client sent them, from the frame filter: Qt sees a text
    // message's fragments joined, and gives text as a QString. Taken with each message
    // (frames of messages that came in the same read all count with the first) and
    // when the session ends (frames of a message never finished).
    if (!s->tcp)
        return;
    const ClientFrameFilter::DataReceived wire = s->tcp->takeDataReceived();
    for (auto *c : {&s->routeStats->in, &stats.in, &s->snapshot.in}) {
        c->frames += wire.frames;
        c->bytes += wire.bytes;
    }
}

void HostServerPrivate::countReceived(Session *s, bool text)
{
    countReceivedFrames(s);
    for (auto *c : {&s->routeStats->in, &stats.in, &s->snapshot.in}) {
        ++c->messages;
        ++(text ? c->textMessages : c->binaryMessages);
    }
    s->dirty = true;
    s->lastActivityMs = QDateTime::currentMSecsSinceEpoch();
}

void HostServerPrivate::onTextMessage(Session *s, const QString &text)
{
    if (s->finished || s->snapshot.state != SessionSnapshot::State::Open)
        return;
    countReceived(s, true);
    const SessionId id = s->snapshot.info.id;
    callPlugin(s, [s, id, &text] { s->handler->messageReceived(id, Message::fromText(text)); });
}

void HostServerPrivate::onBinaryMessage(Session *s, const QByteArray &data)
{
    if (s->finished || s->snapshot.state != SessionSnapshot::State::Open)
        return;
    countReceived(s, false);
    const SessionId id = s->snapshot.info.id;
    callPlugin(s, [s, id, &data] { s->handler->messageReceived(id, Message::fromBinary(data)); });
}

bool HostServerPrivate::send(Session *s, const QString *text, const QByteArray *data)
{
    if (!canSend(s))
        return false;   // before encoding: nothing is encoded for a session that is gone
    const qint64 frameSize = qint64(s->socket->outgoingFrameSize());
    return sendEncoded(s, text ? encodeMessage(FrameOpcode::Text, text->toUtf8(), frameSize)
                               : encodeMessage(FrameOpcode::Binary, *data, frameSize),
                       text != nullptr);
}

/*!
    Bytes written to \a tcp that the peer has not taken yet. Writes go straight to the
    kernel, so while the kernel takes them this is 0 at no cost; once Qt has to buffer
    (the kernel's send queue is full) the kernel's queue counts too, so a peer that
    stops reading meets the limit even when the kernel buffer alone is larger.
*/
qint64 HostServerPrivate::unsentBytes(QTcpSocket *tcp)
{
    const qint64 buffered = tcp->bytesToWrite();
    if (buffered == 0)
        return 0;
    int queued = 0;
    if (::ioctl(int(tcp->socketDescriptor()), SIOCOUTQ, &queued) != 0)
        queued = 0;
    return buffered + queued;
}

bool HostServerPrivate::canSend(const Session *s) const
{
    return s && !s->finished && s->snapshot.state == SessionSnapshot::State::Open && s->tcp
        && s->socket->state() == QAbstractSocket::ConnectedState;
}

void HostServerPrivate::countSent(Session *s, const EncodedMessage &m, bool text, qint64 nowMs)
{
    for (auto *c : {&s->routeStats->out, &stats.out, &s->snapshot.out}) {
        ++c->messages;
        ++(text ? c->textMessages : c->binaryMessages);
        c->frames += quint64(m.frames);
        c->bytes += quint64(m.payloadBytes);
    }
    s->lastActivityMs = nowMs;
    s->dirty = true;
}

bool HostServerPrivate::sendEncoded(Session *s, const EncodedMessage &m, bool text, qsizetype offset)
{
    if (!canSend(s))
        return false;
    // Whole frames only, on the thread that owns the socket: they never interleave
    // with the control frames QWebSocket writes itself.
    s->tcp->write(m.bytes.constData() + offset, m.bytes.size() - offset);
    countSent(s, m, text, QDateTime::currentMSecsSinceEpoch());
    if (const qint64 unsent = unsentBytes(s->tcp); unsent > config.maxSendBacklogBytes) {
        qCInfo(lcHost) << "session" << s->snapshot.info.id << "cut off: unsent data" << unsent
                       << "bytes passed the limit of" << config.maxSendBacklogBytes;
        abortSession(s, CloseCause::Backlog, QStringLiteral("send backlog limit exceeded"));
        return false;
    }
    return true;
}

int HostServerPrivate::sendEncodedToMany(const PluginContext *context, const QList<SessionId> &ids,
                                         const EncodedMessage &m, bool text)
{
    // A fan-out to thousands costs one send() per recipient plus, on each, cache
    // misses on the session and its sockets, which the syscall before has evicted.
    // So: find every recipient first (the misses then overlap), send in a tight loop
    // over plain descriptors, and only then do the bookkeeping. Nothing runs between
    // the passes, so no descriptor can be closed or reused in between.
    std::vector<FanoutTarget> targets;
    targets.reserve(size_t(ids.size()));
    for (SessionId id : ids) {
        Session *s = sessionOf(context, id);
        if (!canSend(s))
            continue;
        RecordingSocket *tcp = s->tcp.data();
        targets.push_back({s, tcp->bytesToWrite() == 0 ? int(tcp->socketDescriptor()) : -1, -1});
    }
    const char *data = m.bytes.constData();
    const size_t size = size_t(m.bytes.size());
    // A short send leaves a tail that goes through Qt in the last pass. Should the same
    // session be listed twice, its second copy must queue behind that tail.
    std::vector<int> shortFds;
    for (FanoutTarget &t : targets) {
        if (t.fd < 0 || (!shortFds.empty() && std::find(shortFds.cbegin(), shortFds.cend(), t.fd) != shortFds.cend()))
            continue;
        t.sent = ::send(t.fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (t.sent != qint64(size))
            shortFds.push_back(t.fd);
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    int taken = 0;
    for (const FanoutTarget &t : targets) {
        if (t.sent == qint64(size)) {
            countSent(t.session, m, text, now);
            ++taken;
        } else if (sendEncoded(t.session, m, text, qsizetype(qMax<qint64>(t.sent, 0)))) {
            // The rest through Qt: it queues it, or meets and reports the error itself.
            ++taken;
        }
    }
    return taken;
}

bool HostServerPrivate::requestClose(Session *s, quint16 code, const QString &reason, CloseCause cause)
{
    if (!s || s->finished || s->snapshot.state != SessionSnapshot::State::Open)
        return false;
    if (!Protocol::isSendableCloseCode(code))
        return false;
    s->closeRequested = true;
    s->snapshot.state = SessionSnapshot::State::Closing;
    s->snapshot.closeCode = code;
    s->snapshot.closeReason = truncatedReason(reason);
    s->snapshot.closeCause = cause;
    // Qt sends the close frame and then closes TCP once it is flushed. A peer that
    // never reads would keep it open: abort after the grace period.
    QTimer::singleShot(std::max(config.shutdownGraceMs, 1000), s, [this, s] {
        if (!s->finished)
            s->socket->abort();
    });
    ++stats.closeFramesSent;
    s->socket->close(QWebSocketProtocol::CloseCode(code), s->snapshot.closeReason);
    return true;
}

void HostServerPrivate::abortSession(Session *s, CloseCause cause, const QString &reason)
{
    if (!s || s->finished)
        return;
    s->closeRequested = true;
    s->snapshot.closeCode = 1006;
    s->snapshot.closeReason = reason;
    s->snapshot.closeCause = cause;
    s->socket->abort();
    if (!s->finished)   // abort() of a connected socket emits disconnected(); be sure anyway
        finishSession(s);
}

void HostServerPrivate::finishSession(Session *s)
{
    if (s->finished)
        return;
    s->finished = true;
    s->view();
    countReceivedFrames(s);
    if (s->tcp)
        s->tcp->onWritten = nullptr;
    SessionSnapshot &snap = s->snapshot;
    if (!s->closeRequested) {
        if (s->closingSeen) {
            // Qt started or answered a closing handshake we did not ask for: either the
            // peer sent a close frame, or Qt closed for a protocol error or size limit.
            // Qt reports both alike (and an empty close as 1000); the frame filter saw
            // what the peer sent.
            snap.closeCode = quint16(s->socket->closeCode());
            snap.closeReason = s->socket->closeReason();
            const int peerCode = s->tcp ? s->tcp->peerCloseCode() : ClientFrameFilter::NoClose;
            const bool peerSentIt = peerCode == 1005 ? snap.closeCode == 1000 : peerCode == int(snap.closeCode);
            const bool protocolError = !peerSentIt
                    && (snap.closeCode == 1002 || snap.closeCode == 1007 || snap.closeCode == 1009);
            if (peerSentIt)
                snap.closeCode = quint16(peerCode);
            snap.closeCause = protocolError ? CloseCause::Protocol : CloseCause::Client;
            if (!protocolError)
                ++stats.closeFramesReceived;
        } else {
            // TCP went away without a closing handshake (RFC 6455 7.1.5).
            snap.closeCode = 1006;
            snap.closeReason = s->socket->errorString();
            snap.closeCause = CloseCause::Error;
        }
    }
    snap.state = SessionSnapshot::State::Closed;

    const SessionId id = snap.info.id;
    countClose(s);
    if (admin)
        admin->sessionClosed(snap);
    sessions.remove(id);
    s->context->sessionIds.remove(id);
    auto ip = connectionsPerIp.find(snap.info.peerAddress);
    if (ip != connectionsPerIp.end() && --ip.value() <= 0)
        connectionsPerIp.erase(ip);

    qCDebug(lcHost) << "session" << id << "closed" << snap.closeCode << closeCauseName(snap.closeCause);
    if (pluginCallDepth > 0) {
        // The session ended inside a plugin call (a send passed the backlog limit, or the
        // plugin closed it): tell the plugin afterwards, never re-entrantly.
        QTimer::singleShot(0, q, [this, pluginId = snap.pluginId, id, code = snap.closeCode, reason = snap.closeReason] {
            if (!initializedPlugins.contains(pluginId))
                return;
            MessageHandlerInterface *handler = registry.handler(pluginId);
            PluginCallGuard guard(this);
            try {
                handler->sessionClosed(id, code, reason);
            } catch (...) {
                qCWarning(lcPlugins).noquote() << "plugin" << pluginId << "threw in sessionClosed()";
            }
        });
    } else {
        callPlugin(s, [s, id] { s->handler->sessionClosed(id, s->snapshot.closeCode, s->snapshot.closeReason); });
    }
    Q_EMIT q->sessionClosed(snap);
    s->deleteLater();

    if (stopping && sessions.isEmpty() && shutdownTimer.isActive()) {
        shutdownTimer.stop();
        QTimer::singleShot(0, q, [this] { finishStop(); });
    }
}

void HostServerPrivate::onHeartbeat()
{
    const qint64 now = nowMs();
    // Copy: aborting a session removes it from the hash.
    const auto current = sessions.values();
    for (Session *s : current) {
        if (s->finished || s->snapshot.state != SessionSnapshot::State::Open)
            continue;
        if (s->awaitingPong) {
            if (now - s->lastPingAtMs > config.pongTimeoutMs) {
                qCInfo(lcHost) << "session" << s->snapshot.info.id << "reaped: no pong within" << config.pongTimeoutMs << "ms";
                abortSession(s, CloseCause::Timeout, QStringLiteral("no pong within %1 ms").arg(config.pongTimeoutMs));
            }
        } else if (now - s->lastPingAtMs >= config.pingIntervalMs) {
            s->awaitingPong = true;
            s->lastPingAtMs = now;
            ++stats.pingsSent;
            s->socket->ping();
        }
    }
}

Session *HostServerPrivate::sessionOf(const PluginContext *context, SessionId id) const
{
    // One context per plugin: comparing it is the plugin-id check, without a string compare.
    Session *s = sessions.value(id);
    return s && s->context == context ? s : nullptr;
}

QList<SessionSnapshot> HostServer::sessions() const
{
    QList<SessionSnapshot> result;
    result.reserve(d->sessions.size());
    for (Session *s : std::as_const(d->sessions))
        result.append(s->view());
    return result;
}

SessionSnapshot HostServer::session(SessionId id) const
{
    Session *s = d->sessions.value(id);
    return s ? s->view() : SessionSnapshot();
}

int HostServer::sessionCount() const
{
    return int(d->sessions.size());
}

QList<HandshakeRecord> HostServer::handshakeLog() const
{
    return QList<HandshakeRecord>(d->handshakeLog.cbegin(), d->handshakeLog.cend());
}

HostStats HostServer::stats() const
{
    return d->currentStats();
}

QList<RateSample> HostServer::rateHistory() const
{
    return QList<RateSample>(d->rateHistory.cbegin(), d->rateHistory.cend());
}

QString HostServer::adminToken() const
{
    return d->adminToken;
}

QUrl HostServer::adminUrl() const
{
    if (!d->running || !d->config.adminEnabled)
        return {};
    QHostAddress address = serverAddress();
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        address = QHostAddress::LocalHost;
    else if (address == QHostAddress::AnyIPv6)
        address = QHostAddress::LocalHostIPv6;
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(address.toString());
    url.setPort(serverPort());
    url.setPath(QLatin1String(Protocol::AdminPath));
    url.setQuery(QStringLiteral("token=") + d->adminToken);
    return url;
}

int HostServer::adminClientCount() const
{
    return d->admin ? d->admin->clientCount() : 0;
}

int HostServer::pendingHandshakeCount() const
{
    return int(d->pending.size());
}

bool HostServer::closeSession(SessionId id, quint16 code, const QString &reason)
{
    return d->requestClose(d->sessions.value(id), code, reason, CloseCause::Server);
}

bool HostServer::kickSession(SessionId id)
{
    Session *s = d->sessions.value(id);
    if (!s || s->finished)
        return false;
    d->abortSession(s, CloseCause::Kick, QStringLiteral("kicked"));
    return true;
}

// ---- shutdown ----------------------------------------------------------------

void HostServer::stop()
{
    if (!d->running || d->stopping)
        return;
    d->stopping = true;
    qCInfo(lcHost) << "stopping:" << d->sessions.size() << "sessions to close";
    d->listener->close();
    d->heartbeat.stop();
    const auto handshakes = d->pending.keys();
    for (RecordingSocket *socket : handshakes)
        socket->abort();
    if (d->admin)
        d->admin->closeAll(1001, QStringLiteral("server shutting down"));
    // Sessions already closing for another reason finish within the same grace period.
    const auto current = d->sessions.values();
    for (Session *s : current)
        d->requestClose(s, 1001, QStringLiteral("server shutting down"), CloseCause::Shutdown);
    if (d->sessions.isEmpty())
        QTimer::singleShot(0, this, [this] { d->finishStop(); });
    else
        d->shutdownTimer.start(d->config.shutdownGraceMs);
}

void HostServerPrivate::finishStop()
{
    if (!running)
        return;
    shutdownTimer.stop();
    heartbeat.stop();
    const auto remaining = sessions.values();
    for (Session *s : remaining) {
        if (s->closeRequested) {
            // Keep the code and reason already recorded (1001 Going Away), only
            // stop waiting for the peer's answer.
            s->socket->abort();
            finishSession(s);
        } else {
            abortSession(s, CloseCause::Shutdown, QStringLiteral("server shutting down"));
        }
    }
    const auto handshakes = pending.keys();
    for (RecordingSocket *socket : handshakes) {
        socket->abort();
        onPendingGone(socket);
    }
    if (listener) {
        listener->close();
        listener->deleteLater();
        listener = nullptr;
    }
    if (webSocketServer) {
        webSocketServer->deleteLater();
        webSocketServer = nullptr;
    }
    statsTimer.stop();
    if (admin) {
        admin->abortAll();
        delete admin;
        admin = nullptr;
    }
    shutdownPlugins();
    running = false;
    stopping = false;
    qCInfo(lcHost) << "stopped";
    Q_EMIT q->stopped();
}

} // namespace WsPlug
