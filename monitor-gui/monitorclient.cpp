// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "monitorclient.h"

#include "closesmodel.h"
#include "framesmodel.h"
#include "handshakesmodel.h"
#include "messagedecoder.h"
#include "sessionsmodel.h"

#include <QLocale>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QRegularExpression>
#include <QUrlQuery>

namespace WsPlug {

namespace {
constexpr int MaxRetryDelayMs = 5000;

//! Qt's error text without the names of Qt's own functions, which mean nothing to an operator.
QString plainError(QString text)
{
    static const QRegularExpression internal(QStringLiteral("^\\w+::\\w+: "));
    return text.remove(internal);
}

QString seconds(int ms)
{
    return QLocale().toString(ms / 1000.0, 'g', 3);
}
// Commands waiting for a reply; a host that never answers must not grow this.
constexpr int MaxPendingCommands = 10000;
// Messages from this size on are decoded off the GUI thread: about 600 sessions, 25 ms.
constexpr qsizetype OffThreadChars = 256 * 1024;
} // namespace

struct MonitorClient::Incoming
{
    quint64 attempt = 0;
    bool done = false;        // set on the GUI thread once the decoder is through
    DecodedMessage message;
};

MonitorClient::MonitorClient(QObject *parent)
    : QObject(parent),
      m_sessions(new SessionsModel(this)),
      m_handshakes(new HandshakesModel(this)),
      m_closes(new ClosesModel(this)),
      m_frames(new FramesModel(this))
{
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, [this] {
        setState(State::Reconnecting);
        openSocket();
    });
    m_watchdog.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, [this] {
        // A host that went silent (a cable pulled, a paused process) sends no FIN:
        // without this the last state would pass for live forever.
        m_timedOut = true;
        m_socket.abort();
    });
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        m_connected = true;
        m_retryDelayMs = 500;
        m_watchdog.start(silenceTimeoutMs());
    });
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &MonitorClient::onMessage);
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this](QAbstractSocket::SocketError error) {
        // The first error says what happened; a refused handshake is followed by a
        // "remote host closed" that would hide it.
        if (m_socketErrorText.isEmpty()) {
            m_socketError = error;
            m_socketErrorText = m_socket.errorString();
        }
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        // Queued: for a refused TCP connection Qt 6.4 emits error() after disconnected().
        QMetaObject::invokeMethod(this, [this, attempt = m_attempt] {
            if (attempt == m_attempt)
                onDisconnected();
        }, Qt::QueuedConnection);
    });
    m_resyncTimer.setSingleShot(true);
    connect(&m_resyncTimer, &QTimer::timeout, this, [this] {
        if (m_resyncWanted)
            requestSessionResync();
    });
    // "Connected for" and "last activity" move with the clock.
    connect(&m_clock, &QTimer::timeout, this, [this] { m_sessions->refreshTimes(); });
    m_clock.start(1000);
    m_decoder.setMaxThreadCount(1);   // one at a time keeps them in order
}

MonitorClient::~MonitorClient()
{
    // A decode still running posts to this object: it must end while this object lives
    // (what it posted is then dropped with the object).
    m_decoder.clear();
    m_decoder.waitForDone();
    m_state = State::Detached;
    m_socket.disconnect(this);
    m_watchdog.stop();
    m_socket.abort();
}

void MonitorClient::attach(const QUrl &adminUrl)
{
    detach();
    m_url = adminUrl;
    m_lastError.clear();
    m_retryDelayMs = 500;
    setState(State::Connecting);
    openSocket();
}

bool MonitorClient::setCaFile(const QString &caFile, QString *errorString)
{
    const QList<QSslCertificate> cas = caFile.isEmpty() ? QList<QSslCertificate>() : QSslCertificate::fromPath(caFile);
    if (!caFile.isEmpty() && cas.isEmpty()) {
        if (errorString)
            *errorString = tr("%1 holds no PEM certificate").arg(caFile);
        return false;
    }
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();   // the system's CAs, and these
    c.addCaCertificates(cas);
    m_socket.setSslConfiguration(c);
    return true;
}

void MonitorClient::openSocket()
{
    ++m_attempt;
    m_connected = false;
    m_timedOut = false;
    m_socketError = QAbstractSocket::UnknownSocketError;
    m_socketErrorText.clear();
    m_watchdog.start(m_connectTimeoutMs);
    m_socket.open(m_url);
}

int MonitorClient::silenceTimeoutMs() const
{
    // Ticks come every m_tickMs even when nothing happens; a busy host may lag a little.
    return m_silenceTimeoutMs > 0 ? m_silenceTimeoutMs : std::max(10000, 20 * m_tickMs);
}

int MonitorClient::retryInMs() const
{
    return m_state == State::Reconnecting && m_reconnect.isActive() ? m_reconnect.remainingTime() : -1;
}

void MonitorClient::onDisconnected()
{
    if (m_state == State::Detached || m_state == State::Failed)
        return;
    m_watchdog.stop();
    if (m_state == State::Attached)
        m_lostAt = QDateTime::currentDateTime();
    bool retry = true;
    m_lastError = describeEnd(&retry);
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        Q_EMIT commandFinished(it.value(), false, tr("connection lost before the reply"));
    m_pending.clear();
    m_watchCommands.clear();
    m_resyncId = 0;   // its reply will never come; the reattach brings a snapshot
    if (retry) {
        scheduleReconnect();
    } else {
        // Retrying would only be refused again (and fill the host's log).
        m_reconnect.stop();
        m_state = State::Failed;
    }
    // Always: the reason changes from one attempt to the next, the state may not.
    Q_EMIT stateChanged(m_state);
}

QString MonitorClient::describeEnd(bool *retry) const
{
    *retry = true;
    const QString where = m_url.host() + QLatin1Char(':') + QString::number(m_url.port(80));
    if (m_timedOut) {
        return m_connected ? tr("no news from the host for %1 s (network timeout)").arg(seconds(silenceTimeoutMs()))
                           : tr("no answer from %1 within %2 s (network timeout)").arg(where, seconds(m_connectTimeoutMs));
    }
    // A refused handshake: Qt 6.4 tells the HTTP status only inside its error text
    // ("QWebSocketPrivate::processHandshake: Unhandled http status code: 401 (Unauthorized).").
    static const QRegularExpression httpStatus(QStringLiteral("status code: (\\d{3})"));
    const QRegularExpressionMatch match = httpStatus.match(m_socketErrorText);
    if (!m_connected && match.hasMatch()) {
        const int status = match.captured(1).toInt();
        switch (status) {
        case 401:
            *retry = false;
            return tr("token refused (401) — open the attach dialog to enter the new token");
        case 403:
            *retry = false;
            return tr("admin connection forbidden (403) — the host does not let this address attach");
        case 404:
            *retry = false;
            return tr("no admin channel there (404) — is the host started with --admin off, or is this not a wsplug host?");
        default:
            return tr("the host refused the admin connection (HTTP %1)").arg(status);
        }
    }
    if (m_connected) {
        if (m_socketError == QAbstractSocket::UnknownSocketError || m_socket.closeCode() != QWebSocketProtocol::CloseCodeNormal
            || !m_socket.closeReason().isEmpty()) {
            const QString reason = m_socket.closeReason().isEmpty() ? tr("no reason given") : m_socket.closeReason();
            return m_socket.closeCode() == QWebSocketProtocol::CloseCodeGoingAway
                ? tr("the host shut down: %1 (1001)").arg(reason)
                : tr("closed by the host: %1 (%2)").arg(reason).arg(int(m_socket.closeCode()));
        }
        if (m_socketError == QAbstractSocket::RemoteHostClosedError)
            return tr("the host dropped the connection without a close frame (it stopped or crashed)");
        return tr("connection lost: %1").arg(plainError(m_socketErrorText));
    }
    switch (m_socketError) {
    case QAbstractSocket::ConnectionRefusedError:
        return tr("unreachable: nothing listens on %1 (connection refused)").arg(where);
    case QAbstractSocket::HostNotFoundError:
        return tr("unreachable: the host name %1 is not known").arg(m_url.host());
    case QAbstractSocket::NetworkError:
        return tr("unreachable: %1 (network error)").arg(plainError(m_socketErrorText));
    case QAbstractSocket::SocketTimeoutError:
        return tr("no answer from %1 (network timeout)").arg(where);
    case QAbstractSocket::RemoteHostClosedError:
        return tr("the host closed the connection during the handshake");
    case QAbstractSocket::SslHandshakeFailedError:
        return tr("TLS handshake failed: %1").arg(plainError(m_socketErrorText));
    default:
        break;
    }
    const QString text = plainError(m_socketErrorText);
    return text.isEmpty() ? tr("connection lost") : text;
}

void MonitorClient::detach()
{
    m_reconnect.stop();
    m_watchdog.stop();
    m_hasSnapshot = false;
    m_lostAt = {};
    const State previous = m_state;
    m_state = State::Detached;
    m_socket.abort();
    m_pending.clear();
    m_watchCommands.clear();
    m_resyncId = 0;
    m_resyncWanted = false;
    m_resyncTimer.stop();
    m_incoming.clear();   // the rest of the old connection's messages
    m_decoder.clear();    // and their decodes not started yet (one running is discarded when done)
    m_handshakesOmitted = 0;
    m_sessions->reset({});
    m_handshakes->reset({});
    m_closes->clear();   // another host may reuse the ids
    m_frames->clear();
    if (!m_watchedSessions.isEmpty() || !m_watchedRoutes.isEmpty()) {
        m_watchedSessions.clear();
        m_watchedRoutes.clear();
        Q_EMIT watchesChanged();
    }
    m_history.clear();
    m_stats = HostStats();
    m_hostInfo = {};
    m_cluster = {};
    m_loaded = {};
    m_refused = {};
    if (previous != State::Detached)
        Q_EMIT stateChanged(m_state);
}

QString MonitorClient::displayUrl() const
{
    QUrl shown = m_url;
    QUrlQuery query(shown);
    query.removeAllQueryItems(QStringLiteral("token"));
    shown.setQuery(query);
    return shown.toString();
}

void MonitorClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void MonitorClient::scheduleReconnect()
{
    setState(State::Reconnecting);
    m_reconnect.start(m_retryDelayMs);
    m_retryDelayMs = std::min(m_retryDelayMs * 2, MaxRetryDelayMs);
}

void MonitorClient::onMessage(const QString &text)
{
    m_watchdog.start(silenceTimeoutMs());
    if (m_incoming.empty() && text.size() < OffThreadChars) {
        onDecoded(decodeMessage(text, m_resyncId));
        return;
    }
    auto incoming = std::make_shared<Incoming>();
    incoming->attempt = m_attempt;
    m_incoming.push_back(incoming);
    if (text.size() < OffThreadChars) {
        // Small, but behind a large one: decoded here, handled in its turn.
        incoming->message = decodeMessage(text, m_resyncId);
        incoming->done = true;
        return;
    }
    m_decoder.start([this, incoming, text, listId = m_resyncId] {
        incoming->message = decodeMessage(text, listId);
        QMetaObject::invokeMethod(this, [this, incoming] {
            incoming->done = true;
            takeDecoded();
        }, Qt::QueuedConnection);
    });
}

void MonitorClient::takeDecoded()
{
    while (!m_incoming.empty() && m_incoming.front()->done) {
        const std::shared_ptr<Incoming> next = m_incoming.front();
        m_incoming.pop_front();
        // Not from a connection that is gone: a snapshot would pass for live.
        if (next->attempt == m_attempt && m_socket.state() == QAbstractSocket::ConnectedState)
            onDecoded(next->message);
    }
}

void MonitorClient::onDecoded(const DecodedMessage &message)
{
    switch (message.type) {
    case Protocol::MessageType::Snapshot:
        onSnapshot(message.snapshot);
        break;
    case Protocol::MessageType::Tick:
        onTick(message.tick);
        break;
    case Protocol::MessageType::Reply:
        onReply(message.reply, message.hasSessions ? &message.sessions : nullptr);
        break;
    case Protocol::MessageType::Frames:
        m_frames->add(message.frames);
        break;
    case Protocol::MessageType::Unknown:
        break;   // a newer host's message: version 1 lets a client skip what it does not know
    }
}

void MonitorClient::onSnapshot(const Protocol::Snapshot &snapshot)
{
    if (snapshot.protocol != Protocol::Version) {
        m_lastError = tr("the host speaks admin protocol %1; this monitor speaks %2")
                          .arg(snapshot.protocol).arg(Protocol::Version);
        // Failed before closing, so that the disconnect does not schedule a retry.
        setState(State::Failed);
        m_socket.close();
        return;
    }
    m_hasSnapshot = true;
    m_lostAt = {};
    m_hostInfo = snapshot.host;
    m_cluster = snapshot.cluster;
    m_loaded = snapshot.plugins;
    m_refused = snapshot.refusedPlugins;
    m_draining = snapshot.drainingPlugins;
    m_pluginEvents = snapshot.pluginEvents;
    m_stats = snapshot.stats;
    m_sessions->reset(snapshot.sessions);
    m_handshakes->reset(snapshot.handshakes);
    m_handshakesOmitted = 0;
    m_resyncId = 0;
    m_resyncWanted = false;   // a full snapshot is as fresh as it gets
    m_resyncTimer.stop();

    m_tickMs = std::max(50, snapshot.tickMs);
    m_history.assign(snapshot.samples.cbegin(), snapshot.samples.cend());
    trimHistory();

    setState(State::Attached);
    // A reconnection: the host forgot this client's watches. Its routes are watched
    // again; sessions are not (a restarted host reuses their ids for others).
    m_watchedSessions.clear();
    m_watchCommands.clear();
    const QSet<QString> routes = std::exchange(m_watchedRoutes, {});
    for (const QString &route : routes)
        watchRoute(route);
    Q_EMIT watchesChanged();
    Q_EMIT snapshotReceived();
}

void MonitorClient::onTick(const Protocol::Tick &tick)
{
    m_cluster = tick.cluster;
    if (tick.pluginsChanged) {
        m_loaded = tick.plugins.loaded;
        m_draining = tick.plugins.draining;
        m_refused = tick.plugins.refused;
        m_pluginEvents += tick.plugins.events;
        if (m_pluginEvents.size() > MaxPluginEvents)
            m_pluginEvents.remove(0, m_pluginEvents.size() - MaxPluginEvents);
        Q_EMIT pluginsChanged();
    }
    m_sessions->add(tick.opened);
    m_sessions->applyUpdates(tick.updated);
    QList<SessionId> closed;
    closed.reserve(tick.closed.size());
    for (const SessionSnapshot &s : tick.closed)
        closed.append(s.id);
    m_sessions->remove(closed);
    bool watchEnded = false;
    for (SessionId id : std::as_const(closed))
        watchEnded = m_watchedSessions.remove(id) || watchEnded;
    if (watchEnded)
        Q_EMIT watchesChanged();
    m_closes->add(tick.closed, QDateTime::fromMSecsSinceEpoch(tick.sample.timeMs, Qt::UTC));
    m_closes->countOmitted(tick.omittedClosed);
    m_handshakes->add(tick.handshakes);

    // A burst (more opened or closed sessions in one tick than the host sends) leaves
    // some out: the table would miss rows or keep dead ones. Fetch the list again.
    m_handshakesOmitted += quint64(std::max(tick.omittedHandshakes, 0));
    if (tick.omittedOpened > 0 || tick.omittedClosed > 0)
        requestSessionResync();

    m_stats = tick.stats;
    m_history.push_back(tick.sample);
    trimHistory();
    Q_EMIT sampleAdded(tick.sample);
    Q_EMIT statsChanged();
}

void MonitorClient::onReply(const Protocol::Reply &reply, const QList<SessionSnapshot> *sessions)
{
    const qint64 id = reply.id;
    if (id != 0 && id == m_resyncId) {
        // Sessions only: the ticks already carried the handshakes and rates since.
        m_resyncId = 0;
        if (reply.ok) {
            // Newer than every tick received so far (one connection keeps the order).
            m_resyncWanted = false;
            ++m_sessionResyncs;
            m_sessions->sync(sessions ? *sessions : Protocol::sessionsFromJson(reply.result));
        } else {
            m_resyncWanted = true;   // try again, no sooner than the timer allows
        }
        if (m_resyncWanted && !m_resyncTimer.isActive())
            requestSessionResync();
        return;
    }
    const QString what = m_pending.take(id);
    if (what.isEmpty())
        return;
    // A session that ended before the watch reached the host is not watched.
    const auto watched = m_watchCommands.constFind(id);
    if (watched != m_watchCommands.cend()) {
        if (!reply.ok && m_watchedSessions.remove(*watched))
            Q_EMIT watchesChanged();
        m_watchCommands.erase(watched);
    }
    Q_EMIT replyReceived(id, reply.ok, reply.result, reply.error);
    Q_EMIT commandFinished(what, reply.ok, reply.error);
}

void MonitorClient::trimHistory()
{
    while (m_history.size() > size_t(MaxHistorySeconds * 1000 / m_tickMs))
        m_history.pop_front();
}

qint64 MonitorClient::sendCommand(Protocol::Command command, const QString &what)
{
    if (m_state != State::Attached) {
        Q_EMIT commandFinished(what, false, tr("not attached to a host"));
        return 0;
    }
    if (m_pending.size() >= MaxPendingCommands) {
        Q_EMIT commandFinished(what, false, tr("too many commands waiting for a reply"));
        return 0;
    }
    command.id = m_nextCommandId++;
    m_pending.insert(command.id, what);
    m_socket.sendTextMessage(QString::fromUtf8(Protocol::serialize(command)));
    return command.id;
}

void MonitorClient::requestSessionResync()
{
    // One in flight answers for every tick before it; and at most one a second, so
    // that sustained churn does not turn into a stream of full session lists.
    m_resyncWanted = true;
    if (m_resyncId != 0 || m_resyncTimer.isActive() || m_state != State::Attached)
        return;
    m_resyncWanted = false;
    Protocol::Command c;
    c.id = m_nextCommandId++;
    c.kind = Protocol::Command::Kind::List;
    m_resyncId = c.id;
    m_resyncTimer.start(MinResyncIntervalMs);
    m_socket.sendTextMessage(QString::fromUtf8(Protocol::serialize(c)));
}

} // namespace WsPlug
