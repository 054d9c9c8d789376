// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Every rule the SDK headers state about the host, checked against a real host: two
// probe plugins (probea on /a and /a/*, probeb on /b) call their HostContext when a
// client asks, answer "=<result>", and record what they see (probeplugin/probeplugin.h).

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include "testsupport.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

//! A WebSocket client of a probe: keeps the probe's answers apart from everything else.
class ProbeClient
{
public:
    bool open(quint16 port, const QString &path)
    {
        m_socket = openClient(port, path);
        if (!m_socket)
            return false;
        QObject::connect(m_socket.get(), &QWebSocket::textMessageReceived, m_socket.get(), [this](const QString &text) {
            (text.startsWith(QLatin1Char('=')) ? m_answers : texts).append(text);
        });
        QObject::connect(m_socket.get(), &QWebSocket::binaryMessageReceived, m_socket.get(),
                         [this](const QByteArray &data) { binaries.append(data); });
        return true;
    }

    //! Sends \a command and returns the probe's answer without its '=', or "<none>".
    QString ask(const QString &command)
    {
        const qsizetype before = m_answers.size();
        m_socket->sendTextMessage(command);
        if (!QTest::qWaitFor([&] { return m_answers.size() > before; }, 5000))
            return QStringLiteral("<none>");
        return m_answers.at(before).mid(1);
    }

    QWebSocket *socket() const { return m_socket.get(); }
    quint16 localPort() const { return m_socket->localPort(); }

    QStringList texts;            // what arrived that was not an answer
    QList<QByteArray> binaries;

private:
    std::unique_ptr<QWebSocket> m_socket;
    QStringList m_answers;
};

QStringList probeLog()
{
    return qApp->property("wsplugProbeLog").toStringList();
}

//! The index of the first log line that starts with \a prefix, or -1.
qsizetype logIndex(const QString &prefix)
{
    const QStringList log = probeLog();
    for (qsizetype i = 0; i < log.size(); ++i) {
        if (log.at(i).startsWith(prefix))
            return i;
    }
    return -1;
}

QString logLine(const QString &prefix)
{
    const qsizetype i = logIndex(prefix);
    return i < 0 ? QString() : probeLog().at(i);
}

//! What the host logged in the plugins' categories (wsplug.plugin.<Id>), as "<category>: <message>".
QStringList &hostLog()
{
    static QStringList lines;
    return lines;
}

QtMessageHandler previousHandler = nullptr;

void captureHostLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && QByteArray(context.category).startsWith("wsplug.plugin."))
        hostLog().append(QLatin1String(context.category) + QStringLiteral(": ") + message);
    if (previousHandler)
        previousHandler(type, context, message);
}

QString ids(std::initializer_list<SessionId> list)
{
    QStringList parts;
    for (SessionId id : list)
        parts << QString::number(id);
    return parts.join(QLatin1Char(','));
}

} // namespace

class tst_HostContext : public QObject
{
    Q_OBJECT

private:
    //! The session id of \a client, as its plugin knows it.
    static SessionId idOf(ProbeClient &client) { return client.ask(QStringLiteral("whoami")).toULongLong(); }
    //! Opens a raw client on \a path; its session id (asked of the plugin), or 0.
    SessionId openRaw(QTcpSocket &raw, const QString &path);

    std::unique_ptr<HostServer> m_host;

private Q_SLOTS:
    void init();
    void cleanup();

    void sendGoesOnlyToThisPluginsOpenSessions();
    void broadcastSkipsOtherSessionsAndAnEmptyListSendsToNobody();
    void broadcastToAllReachesThisPluginsSessionsOnly();
    void sessionsAndSessionSeeOnlyThisPlugin();
    void closeSessionSendsOnlyCodesAServerMay_data();
    void closeSessionSendsOnlyCodesAServerMay();
    void closeReasonIsCutTo123BytesAtACharacterBoundary_data();
    void closeReasonIsCutTo123BytesAtACharacterBoundary();
    void aClosingSessionTakesNothingAndDeliversNothing();
    void sessionClosedIsNotCalledFromInsideABroadcast();
    void sessionClosedGets1006ForAnAbruptEnd();
    void sessionIdsAreNeverReused();
    void lifecycleFollowsLoadOrderAndShutdownComesLast();
    void loggingCategoryIsNamedAfterThePlugin();
};

SessionId tst_HostContext::openRaw(QTcpSocket &raw, const QString &path)
{
    if (!upgradeRaw(raw, m_host->serverPort(), path))
        return 0;
    raw.write(clientFrame(0x1, "whoami"));
    QByteArray buffer;
    const auto answer = readFrame(raw, buffer);
    if (!answer || answer->opcode != 0x1 || !answer->payload.startsWith('=') || !buffer.isEmpty())
        return 0;
    return answer->payload.mid(1).toULongLong();
}

void tst_HostContext::init()
{
    qApp->setProperty("wsplugProbeLog", QStringList());
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_PROBE_PLUGIN_DIR)};
    config.maxSendBacklogBytes = 1024 * 1024;   // a peer that stops reading is cut off soon
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(config);
    QVERIFY2(m_host->start(), qPrintable(m_host->errorString()));
    QCOMPARE(m_host->plugins().loaded().size(), 2);
}

void tst_HostContext::cleanup()
{
    if (m_host && m_host->isRunning()) {
        m_host->stop();
        QTRY_VERIFY(!m_host->isRunning());
    }
    m_host.reset();
    // The rule every test holds the host to: sessionClosed() never runs inside a
    // HostContext call (the probe marks it if it does).
    const QStringList log = probeLog();
    for (const QString &line : log)
        QVERIFY2(!line.contains(QLatin1String("REENTERED")), qPrintable(line));
}

void tst_HostContext::sendGoesOnlyToThisPluginsOpenSessions()
{
    ProbeClient a1, a2, b1;
    QVERIFY(a1.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(a2.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(b1.open(m_host->serverPort(), QStringLiteral("/b")));
    const SessionId idA2 = idOf(a2), idB1 = idOf(b1);
    QVERIFY(idA2 && idB1);

    QCOMPARE(a1.ask(QStringLiteral("send %1").arg(idA2)), QStringLiteral("true"));
    QTRY_COMPARE(a2.texts, QStringList{QStringLiteral("hello")});
    // Another plugin's session is as unknown as one that never was.
    QCOMPARE(a1.ask(QStringLiteral("send %1").arg(idB1)), QStringLiteral("false"));
    QCOMPARE(a1.ask(QStringLiteral("send 999999")), QStringLiteral("false"));
    QCOMPARE(b1.ask(QStringLiteral("sessions")), QString::number(idB1));   // answered after anything a1 sent
    QVERIFY2(b1.texts.isEmpty(), qPrintable(b1.texts.join(QLatin1Char(','))));

    // An ended session is gone.
    QSignalSpy a2Down(a2.socket(), &QWebSocket::disconnected);
    a2.socket()->close();
    QTRY_COMPARE(a2Down.size(), 1);
    QTRY_VERIFY(logIndex(QStringLiteral("probea closed %1 ").arg(idA2)) >= 0);
    QCOMPARE(a1.ask(QStringLiteral("send %1").arg(idA2)), QStringLiteral("false"));
}

void tst_HostContext::broadcastSkipsOtherSessionsAndAnEmptyListSendsToNobody()
{
    ProbeClient a1, a2, a3, b1;
    QVERIFY(a1.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(a2.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(a3.open(m_host->serverPort(), QStringLiteral("/a/x")));
    QVERIFY(b1.open(m_host->serverPort(), QStringLiteral("/b")));
    const SessionId idA1 = idOf(a1), idA2 = idOf(a2), idB1 = idOf(b1);

    QCOMPARE(a1.ask(QStringLiteral("broadcast ")), QStringLiteral("0"));
    QCOMPARE(a1.ask(QStringLiteral("broadcastbinary ")), QStringLiteral("0"));
    // Listed sessions of this plugin get it; another plugin's and unknown ids are skipped.
    QCOMPARE(a1.ask(QStringLiteral("broadcast %1").arg(ids({idA1, idA2, idB1, 999999}))), QStringLiteral("2"));
    QCOMPARE(a1.ask(QStringLiteral("broadcastbinary %1").arg(ids({idA2}))), QStringLiteral("1"));
    QTRY_COMPARE(a2.binaries.size(), 1);
    QCOMPARE(a2.binaries.first(), QByteArray("to some"));
    QCOMPARE(a2.texts, QStringList{QStringLiteral("to some")});
    QCOMPARE(a1.texts, QStringList{QStringLiteral("to some")});
    QVERIFY(a1.binaries.isEmpty());
    // Round trips after the broadcasts: anything they had sent would be here by now.
    QVERIFY(a3.ask(QStringLiteral("sessions")) != QLatin1String("<none>"));
    QCOMPARE(b1.ask(QStringLiteral("sessions")), QString::number(idB1));
    QVERIFY(a3.texts.isEmpty() && a3.binaries.isEmpty());
    QVERIFY(b1.texts.isEmpty() && b1.binaries.isEmpty());
}

void tst_HostContext::broadcastToAllReachesThisPluginsSessionsOnly()
{
    ProbeClient a1, a2, b1;
    QVERIFY(a1.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(a2.open(m_host->serverPort(), QStringLiteral("/a/x")));
    QVERIFY(b1.open(m_host->serverPort(), QStringLiteral("/b")));
    QTcpSocket closing;   // a session of probea that is closing: not sent to
    const SessionId idClosing = openRaw(closing, QStringLiteral("/a"));
    QVERIFY(idClosing);
    QCOMPARE(a1.ask(QStringLiteral("close %1 1000 bye").arg(idClosing)), QStringLiteral("true"));

    QCOMPARE(a1.ask(QStringLiteral("all")), QStringLiteral("2"));
    QCOMPARE(a1.ask(QStringLiteral("allbinary")), QStringLiteral("2"));
    for (ProbeClient *c : {&a1, &a2}) {
        QTRY_COMPARE(c->binaries.size(), 1);
        QCOMPARE(c->texts, QStringList{QStringLiteral("to all")});
        QCOMPARE(c->binaries.first(), QByteArray("to all"));
    }
    const SessionId idB1 = idOf(b1);
    QCOMPARE(b1.ask(QStringLiteral("sessions")), QString::number(idB1));
    QVERIFY(b1.texts.isEmpty() && b1.binaries.isEmpty());
    // And from the other side: probeb's everyone is b1 alone.
    QCOMPARE(b1.ask(QStringLiteral("all")), QStringLiteral("1"));
    QTRY_COMPARE(b1.texts, QStringList{QStringLiteral("to all")});
    QVERIFY(a1.ask(QStringLiteral("sessions")) != QLatin1String("<none>"));
    QCOMPARE(a1.texts.size(), 1);
}

void tst_HostContext::sessionsAndSessionSeeOnlyThisPlugin()
{
    ProbeClient a1, a2, b1;
    QVERIFY(a1.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(a2.open(m_host->serverPort(), QStringLiteral("/a/x/y?k=v&w")));
    QVERIFY(b1.open(m_host->serverPort(), QStringLiteral("/b")));
    const SessionId idA1 = idOf(a1), idA2 = idOf(a2), idB1 = idOf(b1);

    QCOMPARE(a1.ask(QStringLiteral("sessions")), ids({qMin(idA1, idA2), qMax(idA1, idA2)}));
    QCOMPARE(b1.ask(QStringLiteral("sessions")), ids({idB1}));
    QCOMPARE(a1.ask(QStringLiteral("session %1").arg(idA2)),
             QStringLiteral("%1|/a/x/y|k=v&w|/a/*|127.0.0.1|%2").arg(idA2).arg(a2.localPort()));
    QCOMPARE(a1.ask(QStringLiteral("session %1").arg(idB1)), QStringLiteral("0|||||0"));
    QCOMPARE(b1.ask(QStringLiteral("session %1").arg(idA1)), QStringLiteral("0|||||0"));
    QCOMPARE(a1.ask(QStringLiteral("session 999999")), QStringLiteral("0|||||0"));

    QSignalSpy a2Down(a2.socket(), &QWebSocket::disconnected);
    a2.socket()->close();
    QTRY_COMPARE(a2Down.size(), 1);
    QTRY_VERIFY(logIndex(QStringLiteral("probea closed %1 ").arg(idA2)) >= 0);
    QCOMPARE(a1.ask(QStringLiteral("sessions")), ids({idA1}));
    QCOMPARE(a1.ask(QStringLiteral("session %1").arg(idA2)), QStringLiteral("0|||||0"));
}

void tst_HostContext::closeSessionSendsOnlyCodesAServerMay_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("sent");
    // RFC 6455 7.4: 1004-1006 and 1015 are reserved or never sent, 0-999 unused,
    // 2000-2999 for extensions, 5000 and up no close code.
    const std::pair<int, bool> rows[] = {
        {0, false}, {999, false}, {1000, true}, {1001, true}, {1002, true}, {1003, true},
        {1004, false}, {1005, false}, {1006, false}, {1007, true}, {1011, true}, {1012, true},
        {1014, true}, {1015, false}, {1016, false}, {2000, false}, {2999, false}, {3000, true},
        {4000, true}, {4999, true}, {5000, false}, {65535, false},
    };
    for (const auto &[code, sent] : rows)
        QTest::addRow("%d", code) << code << sent;
}

void tst_HostContext::closeSessionSendsOnlyCodesAServerMay()
{
    QFETCH(int, code);
    QFETCH(bool, sent);
    ProbeClient controller;
    QVERIFY(controller.open(m_host->serverPort(), QStringLiteral("/a")));
    QTcpSocket victim;
    const SessionId id = openRaw(victim, QStringLiteral("/a"));
    QVERIFY(id);

    static const bool capturing = [] {
        previousHandler = qInstallMessageHandler(captureHostLog);
        return true;
    }();
    Q_UNUSED(capturing);
    QCOMPARE(controller.ask(QStringLiteral("close %1 %2 why").arg(id).arg(code)), sent ? QStringLiteral("true") : QStringLiteral("false"));
    // Every close a plugin asks for is in the host's log, refused ones too.
    const QString logged = QStringLiteral("wsplug.plugin.probea: closes session %1 with %2 \"why\"").arg(id).arg(code);
    QVERIFY2(hostLog().contains(sent ? logged : logged + QStringLiteral(": refused (no such open session, or not a code the host sends)")),
             qPrintable(hostLog().join(QLatin1Char('\n'))));
    QByteArray buffer;
    if (!sent) {
        // Nothing happened: the session is open and takes messages.
        QCOMPARE(controller.ask(QStringLiteral("send %1").arg(id)), QStringLiteral("true"));
        const auto frame = readFrame(victim, buffer);
        QVERIFY(frame);
        QCOMPARE(frame->opcode, 0x1);
        QCOMPARE(frame->payload, QByteArray("hello"));
        return;
    }
    const auto close = readFrame(victim, buffer);
    QVERIFY(close);
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(closeCodeOf(*close), code);
    QCOMPARE(close->payload.mid(2), QByteArray("why"));
    QVERIFY(waitForDisconnect(victim));
    // The plugin hears of it with its own code and reason.
    QTRY_COMPARE(logLine(QStringLiteral("probea closed %1 ").arg(id)), QStringLiteral("probea closed %1 %2 why").arg(id).arg(code));
}

void tst_HostContext::closeReasonIsCutTo123BytesAtACharacterBoundary_data()
{
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("sent");
    const QString ascii123(123, QLatin1Char('r'));
    QTest::addRow("123 bytes kept") << ascii123 << ascii123;
    QTest::addRow("124 bytes cut") << ascii123 + QLatin1Char('s') << ascii123;
    // Three-byte characters: 41 fit exactly, the 123rd byte ends one.
    QTest::addRow("euro signs") << QString(50, QChar(0x20ac)) << QString(41, QChar(0x20ac));
    // One ASCII byte, then three-byte characters: the 42nd would end at byte 124.
    QTest::addRow("euro signs, offset") << QLatin1String("x") + QString(50, QChar(0x20ac))
                                        << QLatin1String("x") + QString(40, QChar(0x20ac));
    // Four-byte characters (surrogate pairs in a QString): 30 fit, the 31st would not.
    QString emoji;
    for (int i = 0; i < 40; ++i)
        emoji += QString::fromUcs4(U"\U0001F600", 1);
    QTest::addRow("four-byte characters") << emoji << emoji.left(60);
}

void tst_HostContext::closeReasonIsCutTo123BytesAtACharacterBoundary()
{
    QFETCH(QString, reason);
    QFETCH(QString, sent);
    ProbeClient controller;
    QVERIFY(controller.open(m_host->serverPort(), QStringLiteral("/a")));
    QTcpSocket victim;
    const SessionId id = openRaw(victim, QStringLiteral("/a"));
    QVERIFY(id);
    QCOMPARE(controller.ask(QStringLiteral("close %1 4000 %2").arg(id).arg(reason)), QStringLiteral("true"));
    QByteArray buffer;
    const auto close = readFrame(victim, buffer);
    QVERIFY(close);
    QCOMPARE(closeCodeOf(*close), 4000);
    // At most 123 bytes, valid UTF-8 (no character cut in half), a prefix of the reason.
    const QByteArray wire = close->payload.mid(2);
    QVERIFY(wire.size() <= 123);
    const QString wireText = QString::fromUtf8(wire);
    QCOMPARE(wireText.toUtf8(), wire);
    QVERIFY(reason.startsWith(wireText));
    QVERIFY(!wireText.isEmpty() && !wireText.back().isHighSurrogate());
    // And the longest such prefix (also when the 123rd byte ends a multi-byte character).
    QCOMPARE(wireText, sent);
    QVERIFY(waitForDisconnect(victim));
    // The plugin's sessionClosed() gets the reason as it was sent.
    QTRY_COMPARE(logLine(QStringLiteral("probea closed %1 ").arg(id)), QStringLiteral("probea closed %1 4000 %2").arg(id).arg(wireText));
}

void tst_HostContext::aClosingSessionTakesNothingAndDeliversNothing()
{
    ProbeClient controller;
    QVERIFY(controller.open(m_host->serverPort(), QStringLiteral("/a")));
    QTcpSocket victim;
    const SessionId id = openRaw(victim, QStringLiteral("/a"));
    QVERIFY(id);
    // The host follows its close frame with a FIN; a socket that read it would close
    // too, and the session would end. Reading one byte at most holds it in "closing".
    victim.setReadBufferSize(1);

    // The plugin closes the session it is called for, then tries it again at once.
    victim.write(clientFrame(0x1, "closeself 1000") + clientFrame(0x1, "in the same read"));
    QTRY_VERIFY(logIndex(QStringLiteral("probea closeself")) >= 0);
    QCOMPARE(logLine(QStringLiteral("probea closeself")),
             QStringLiteral("probea closeself %1 closed=true send=false broadcast=0 closeagain=false session=true listed=true").arg(id));

    // Closing, but not ended: sends from elsewhere are refused, the session is still
    // listed, and what the peer sends now reaches nobody.
    victim.write(clientFrame(0x1, "after the close frame"));
    QCOMPARE(controller.ask(QStringLiteral("send %1").arg(id)), QStringLiteral("false"));
    QCOMPARE(controller.ask(QStringLiteral("broadcast %1").arg(id)), QStringLiteral("0"));
    QCOMPARE(controller.ask(QStringLiteral("close %1 4000 again").arg(id)), QStringLiteral("false"));
    QCOMPARE(controller.ask(QStringLiteral("session %1").arg(id)).section(QLatin1Char('|'), 0, 0), QString::number(id));
    QCOMPARE(logIndex(QStringLiteral("probea closed %1 ").arg(id)), -1);

    QByteArray buffer;
    const auto close = readFrame(victim, buffer);
    QVERIFY(close);
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(closeCodeOf(*close), 1000);
    QCOMPARE(close->payload.mid(2), QByteArray("bye"));
    QVERIFY(waitForDisconnect(victim));
    QTRY_COMPARE(logLine(QStringLiteral("probea closed %1 ").arg(id)), QStringLiteral("probea closed %1 1000 bye").arg(id));
    QCOMPARE(controller.ask(QStringLiteral("send %1").arg(id)), QStringLiteral("false"));
    QCOMPARE(controller.ask(QStringLiteral("session %1").arg(id)), QStringLiteral("0|||||0"));
    // Nothing after "closeself" was delivered.
    const QString prefix = QStringLiteral("probea message %1 ").arg(id);
    QStringList delivered;
    for (const QString &line : probeLog()) {
        if (line.startsWith(prefix))
            delivered << line.mid(prefix.size());
    }
    QCOMPARE(delivered, (QStringList{QStringLiteral("whoami"), QStringLiteral("closeself 1000")}));
}

void tst_HostContext::sessionClosedIsNotCalledFromInsideABroadcast()
{
    // A peer that never reads: a broadcast to it passes the backlog limit, and the host
    // cuts the session off inside broadcastText(). The plugin hears of it afterwards.
    ProbeClient controller;
    QVERIFY(controller.open(m_host->serverPort(), QStringLiteral("/a")));
    QTcpSocket stalled;
    const SessionId id = openRaw(stalled, QStringLiteral("/a"));
    QVERIFY(id);
    stalled.setReadBufferSize(1);   // from now on it takes one byte, and the kernel's buffers fill

    const QString sends = controller.ask(QStringLiteral("flood %1").arg(id));
    QVERIFY2(sends.toInt() > 0 && sends.toInt() < 4096, qPrintable(sends));
    QTRY_VERIFY(logIndex(QStringLiteral("probea closed %1 1006").arg(id)) >= 0);
    QVERIFY(logIndex(QStringLiteral("probea flood returned")) < logIndex(QStringLiteral("probea closed %1 ").arg(id)));
    // Gone from the context when the call returned, before sessionClosed() told the plugin.
    QCOMPARE(logLine(QStringLiteral("probea flood returned")), QStringLiteral("probea flood returned %1 session=false").arg(sends));
}

void tst_HostContext::sessionClosedGets1006ForAnAbruptEnd()
{
    QTcpSocket raw;
    const SessionId id = openRaw(raw, QStringLiteral("/b"));
    QVERIFY(id);
    raw.abort();
    QTRY_VERIFY(logIndex(QStringLiteral("probeb closed %1 ").arg(id)) >= 0);
    QVERIFY(logLine(QStringLiteral("probeb closed %1 ").arg(id)).startsWith(QStringLiteral("probeb closed %1 1006 ").arg(id)));
}

void tst_HostContext::sessionIdsAreNeverReused()
{
    QSet<SessionId> seen;
    for (int round = 0; round < 3; ++round) {
        for (const QString &path : {QStringLiteral("/a"), QStringLiteral("/b")}) {
            ProbeClient c;
            QVERIFY(c.open(m_host->serverPort(), path));
            const SessionId id = idOf(c);
            QVERIFY(id != 0);
            QVERIFY2(!seen.contains(id), qPrintable(QString::number(id)));
            seen.insert(id);
            QSignalSpy down(c.socket(), &QWebSocket::disconnected);
            c.socket()->close();
            QTRY_COMPARE(down.size(), 1);
            QTRY_COMPARE(m_host->sessionCount(), 0);
        }
    }
}

void tst_HostContext::lifecycleFollowsLoadOrderAndShutdownComesLast()
{
    // Load order is file-name order: probea, then probeb.
    QCOMPARE(probeLog().mid(0, 2), (QStringList{QStringLiteral("probea initialize"), QStringLiteral("probeb initialize")}));
    ProbeClient a1, b1;
    QVERIFY(a1.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(b1.open(m_host->serverPort(), QStringLiteral("/b")));
    const SessionId idA1 = idOf(a1), idB1 = idOf(b1);
    QTRY_VERIFY(logIndex(QStringLiteral("probeb opened %1").arg(idB1)) >= 0);

    m_host->stop();
    QTRY_VERIFY(!m_host->isRunning());
    const qsizetype closedA = logIndex(QStringLiteral("probea closed %1 1001").arg(idA1));
    const qsizetype closedB = logIndex(QStringLiteral("probeb closed %1 1001").arg(idB1));
    const qsizetype downB = logIndex(QStringLiteral("probeb shutdown"));
    const qsizetype downA = logIndex(QStringLiteral("probea shutdown"));
    QVERIFY2(closedA >= 0 && closedB >= 0, qPrintable(probeLog().join(QLatin1Char('\n'))));
    // Every session is closed first; then reverse load order, with the context still
    // usable (and empty) in aboutToShutdown().
    QVERIFY(closedA < downB && closedB < downB);
    QVERIFY(downB < downA);
    QCOMPARE(probeLog().at(downB), QStringLiteral("probeb shutdown sessions=0"));
    QCOMPARE(probeLog().at(downA), QStringLiteral("probea shutdown sessions=0"));
    QCOMPARE(probeLog().size(), downA + 1);   // nothing after the last call
}

void tst_HostContext::loggingCategoryIsNamedAfterThePlugin()
{
    ProbeClient a1, b1;
    QVERIFY(a1.open(m_host->serverPort(), QStringLiteral("/a")));
    QVERIFY(b1.open(m_host->serverPort(), QStringLiteral("/b")));
    QCOMPARE(a1.ask(QStringLiteral("logging")), QStringLiteral("wsplug.plugin.probea"));
    QCOMPARE(b1.ask(QStringLiteral("logging")), QStringLiteral("wsplug.plugin.probeb"));
}

QTEST_GUILESS_MAIN(tst_HostContext)
#include "tst_hostcontext.moc"
