// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "testsupport.h"

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace WsPlug;

namespace {

//! One received message: text as UTF-8 with binary false, or binary.
struct Received
{
    bool binary = false;
    QByteArray payload;
    bool operator==(const Received &other) const
    {
        return binary == other.binary && payload == other.payload;
    }
};

QByteArray describe(const QList<Received> &list)
{
    QByteArray out;
    for (const Received &r : list)
        out += (r.binary ? "b:" : "t:") + r.payload.left(16) + ' ';
    return out;
}

/*
 * A client over a real QWebSocket that records what it receives, in order, text and
 * binary interleaved as they came.
 */
class BroadcastClient : public QObject
{
public:
    explicit BroadcastClient(QObject *parent = nullptr) : QObject(parent)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            received.append({false, text.toUtf8()});
        });
        connect(&socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &data) {
            received.append({true, data});
        });
        connect(&socket, &QWebSocket::disconnected, this, [this] { disconnected = true; });
    }

    bool isOpen() const { return socket.state() == QAbstractSocket::ConnectedState; }

    QWebSocket socket;
    QList<Received> received;
    bool disconnected = false;
};

} // namespace

class tst_Broadcast : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void everySubscriberGetsEveryMessageOnceInOrder();
    void binaryStaysBinaryAndTextStaysText();
    void topicsAreSeparate_data();
    void topicsAreSeparate();
    void subscribeOnlyConnectionMayNotPublish_data();
    void subscribeOnlyConnectionMayNotPublish();
    void invalidTopicIsRefused_data();
    void invalidTopicIsRefused();
    void tickerPublishesSamples();
    void stalledSubscriberIsCutOffOthersKeepReceiving();
    void pausedSubscriberCatchesUpInOrder();
    void badSettingsRefuseThePlugin();
    void retainGivesANewSubscriberTheLastMessageOnAHostAlone();

private:
    bool startHost(const QVariantMap &settings, qint64 maxSendBacklogBytes = 0);
    BroadcastClient *openClient(const QString &pathAndQuery);
    bool waitOpen(const QList<BroadcastClient *> &clients, int timeoutMs = 10000);

    std::unique_ptr<HostServer> m_host;
    QList<BroadcastClient *> m_clients;
};

namespace {
// Most tests want a quiet topic space: no ticker unless a test asks for it.
const QVariantMap noTicker{{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("enabled"), false}}}};
} // namespace

bool tst_Broadcast::startHost(const QVariantMap &settings, qint64 maxSendBacklogBytes)
{
    HostConfig config = Test::testConfig();
    config.pluginSettings.insert(QStringLiteral("broadcast"), settings);
    if (maxSendBacklogBytes > 0)
        config.maxSendBacklogBytes = maxSendBacklogBytes;
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(config);
    if (!m_host->start()) {
        qWarning() << "host did not start:" << m_host->errorString();
        return false;
    }
    return true;
}

BroadcastClient *tst_Broadcast::openClient(const QString &pathAndQuery)
{
    auto *client = new BroadcastClient(this);
    m_clients.append(client);
    client->socket.open(Test::wsUrl(m_host->serverPort(), pathAndQuery));
    return client;
}

bool tst_Broadcast::waitOpen(const QList<BroadcastClient *> &clients, int timeoutMs)
{
    return QTest::qWaitFor([&] {
        for (const BroadcastClient *client : clients) {
            if (!client->isOpen())
                return false;
        }
        return true;
    }, timeoutMs);
}

void tst_Broadcast::cleanup()
{
    qDeleteAll(m_clients);
    m_clients.clear();
    m_host.reset();
}

void tst_Broadcast::everySubscriberGetsEveryMessageOnceInOrder()
{
    QVERIFY(startHost(noTicker));
    const int subscriberCount = 200;
    const int messageCount = 100;

    QList<BroadcastClient *> subscribers;
    for (int i = 0; i < subscriberCount; ++i)
        subscribers.append(openClient(QStringLiteral("/broadcast/load?mode=subscribe")));
    BroadcastClient *publisher = openClient(QStringLiteral("/broadcast/load"));
    BroadcastClient *elsewhere = openClient(QStringLiteral("/broadcast/other"));
    QVERIFY(waitOpen(m_clients, 30000));
    QTRY_COMPARE_WITH_TIMEOUT(m_host->sessionCount(), subscriberCount + 2, 10000);

    QList<Received> expected;
    for (int i = 0; i < messageCount; ++i) {
        const QByteArray payload = "message " + QByteArray::number(i);
        expected.append({false, payload});
        publisher->socket.sendTextMessage(QString::fromLatin1(payload));
    }

    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(subscribers.cbegin(), subscribers.cend(),
                                         [&](const BroadcastClient *c) {
                                             return c->received.size() >= messageCount;
                                         }),
                             30000);
    for (const BroadcastClient *subscriber : std::as_const(subscribers))
        QCOMPARE(subscriber->received, expected);
    // A publisher on the topic is a subscriber too ("echo" defaults to true).
    QTRY_COMPARE(publisher->received, expected);
    QVERIFY(elsewhere->received.isEmpty());
}

void tst_Broadcast::binaryStaysBinaryAndTextStaysText()
{
    QVERIFY(startHost(noTicker));
    BroadcastClient *subscriber = openClient(QStringLiteral("/broadcast/mixed?mode=subscribe"));
    BroadcastClient *publisher = openClient(QStringLiteral("/broadcast/mixed"));
    QVERIFY(waitOpen(m_clients));
    QTRY_COMPARE(m_host->sessionCount(), 2);

    QList<Received> expected;
    for (int i = 0; i < 20; ++i) {
        if (i % 3 == 0) {
            // Every byte value, to catch a text conversion anywhere on the way.
            QByteArray data(256, Qt::Uninitialized);
            for (int b = 0; b < 256; ++b)
                data[b] = char((b + i) & 0xff);
            expected.append({true, data});
            publisher->socket.sendBinaryMessage(data);
        } else {
            const QString text = QStringLiteral("text %1 \u00e9\u20ac\U0001F600").arg(i);
            expected.append({false, text.toUtf8()});
            publisher->socket.sendTextMessage(text);
        }
    }
    QTRY_COMPARE(subscriber->received.size(), expected.size());
    QVERIFY2(subscriber->received == expected, describe(subscriber->received).constData());
}

void tst_Broadcast::topicsAreSeparate_data()
{
    QTest::addColumn<QString>("publishPath");
    QTest::addColumn<QString>("subscribePath");
    QTest::addColumn<bool>("delivered");

    QTest::addRow("same topic") << QStringLiteral("/broadcast/a") << QStringLiteral("/broadcast/a") << true;
    QTest::addRow("other topic") << QStringLiteral("/broadcast/a") << QStringLiteral("/broadcast/b") << false;
    QTest::addRow("plain is default") << QStringLiteral("/broadcast") << QStringLiteral("/broadcast/default") << true;
    QTest::addRow("plain vs named") << QStringLiteral("/broadcast") << QStringLiteral("/broadcast/a") << false;
    QTest::addRow("percent-encoding") << QStringLiteral("/broadcast/caf%C3%A9") << QStringLiteral("/broadcast/café") << true;
    QTest::addRow("nested") << QStringLiteral("/broadcast/eu/prices") << QStringLiteral("/broadcast/eu") << false;
}

void tst_Broadcast::topicsAreSeparate()
{
    QFETCH(QString, publishPath);
    QFETCH(QString, subscribePath);
    QFETCH(bool, delivered);

    QVERIFY(startHost(noTicker));
    BroadcastClient *subscriber = openClient(subscribePath + QStringLiteral("?mode=subscribe"));
    BroadcastClient *publisher = openClient(publishPath);
    QVERIFY(waitOpen(m_clients));
    QTRY_COMPARE(m_host->sessionCount(), 2);

    publisher->socket.sendTextMessage(QStringLiteral("hello"));
    // The publisher's own echo shows the message went through the host.
    QTRY_COMPARE(publisher->received.size(), 1);
    if (delivered) {
        QTRY_COMPARE(subscriber->received.size(), 1);
    } else {
        // A second message on the publisher's topic: by the time its echo is back, the
        // first would long have reached a subscriber of that topic.
        publisher->socket.sendTextMessage(QStringLiteral("again"));
        QTRY_COMPARE(publisher->received.size(), 2);
        QCOMPARE(subscriber->received.size(), 0);
    }
}

void tst_Broadcast::subscribeOnlyConnectionMayNotPublish_data()
{
    QTest::addColumn<bool>("bySetting");
    QTest::addRow("mode=subscribe") << false;
    QTest::addRow("subscribeOnly setting") << true;
}

void tst_Broadcast::subscribeOnlyConnectionMayNotPublish()
{
    QFETCH(bool, bySetting);
    QVariantMap settings = noTicker;
    if (bySetting)
        settings.insert(QStringLiteral("subscribeOnly"), true);
    QVERIFY(startHost(settings));
    BroadcastClient *listener = openClient(QStringLiteral("/broadcast/news?mode=subscribe"));
    BroadcastClient *sneaky = openClient(bySetting ? QStringLiteral("/broadcast/news")
                                                   : QStringLiteral("/broadcast/news?mode=subscribe"));
    QVERIFY(waitOpen(m_clients));
    QTRY_COMPARE(m_host->sessionCount(), 2);

    sneaky->socket.sendTextMessage(QStringLiteral("spam"));
    QTRY_VERIFY(sneaky->disconnected);
    QCOMPARE(int(sneaky->socket.closeCode()), 1008);
    QVERIFY2(sneaky->socket.closeReason().contains(QStringLiteral("subscribe-only")),
             qPrintable(sneaky->socket.closeReason()));
    QTRY_COMPARE(m_host->sessionCount(), 1);
    QVERIFY(listener->received.isEmpty());
    QVERIFY(listener->isOpen());
}

void tst_Broadcast::invalidTopicIsRefused_data()
{
    QTest::addColumn<QString>("pathAndQuery");
    QTest::addRow("empty topic") << QStringLiteral("/broadcast/");
    QTest::addRow("empty segment") << QStringLiteral("/broadcast/a//b");
    QTest::addRow("control character") << QStringLiteral("/broadcast/a%0Ab");
    QTest::addRow("not utf-8") << QStringLiteral("/broadcast/%FF");
    QTest::addRow("too long") << QStringLiteral("/broadcast/") + QString(129, QLatin1Char('x'));
    QTest::addRow("unknown mode") << QStringLiteral("/broadcast/a?mode=lurk");
}

void tst_Broadcast::invalidTopicIsRefused()
{
    QFETCH(QString, pathAndQuery);
    QVERIFY(startHost(noTicker));
    BroadcastClient *client = openClient(pathAndQuery);
    QTRY_VERIFY(client->disconnected);
    QCOMPARE(int(client->socket.closeCode()), 1008);
    QVERIFY(!client->socket.closeReason().isEmpty());
}

void tst_Broadcast::tickerPublishesSamples()
{
    QVERIFY(startHost({{QStringLiteral("ticker"),
                        QVariantMap{{QStringLiteral("intervalMs"), 50},
                                    {QStringLiteral("topic"), QStringLiteral("prices")},
                                    {QStringLiteral("symbol"), QStringLiteral("TEST")}}}}));
    BroadcastClient *dashboard = openClient(QStringLiteral("/broadcast/prices"));
    BroadcastClient *other = openClient(QStringLiteral("/broadcast/ticker"));
    QVERIFY(waitOpen(m_clients));

    QTRY_VERIFY_WITH_TIMEOUT(dashboard->received.size() >= 5, 10000);
    qint64 previousSeq = -1;
    for (const Received &r : std::as_const(dashboard->received)) {
        QVERIFY(!r.binary);
        const QJsonObject sample = QJsonDocument::fromJson(r.payload).object();
        QCOMPARE(sample.value(QStringLiteral("type")).toString(), QStringLiteral("tick"));
        QCOMPARE(sample.value(QStringLiteral("symbol")).toString(), QStringLiteral("TEST"));
        QVERIFY(sample.value(QStringLiteral("price")).toDouble() > 0);
        QVERIFY(sample.value(QStringLiteral("ts")).toInteger() > 0);
        const qint64 seq = sample.value(QStringLiteral("seq")).toInteger();
        if (previousSeq >= 0)
            QCOMPARE(seq, previousSeq + 1);
        previousSeq = seq;
    }
    QVERIFY(other->received.isEmpty());

    // The ticker's topic is read-only for clients.
    dashboard->socket.sendTextMessage(QStringLiteral("{\"type\":\"tick\",\"price\":0}"));
    QTRY_VERIFY(dashboard->disconnected);
    QCOMPARE(int(dashboard->socket.closeCode()), 1008);
}

void tst_Broadcast::stalledSubscriberIsCutOffOthersKeepReceiving()
{
    const qint64 backlogLimit = 256 * 1024;
    QVariantMap settings = noTicker;
    settings.insert(QStringLiteral("echo"), false);
    QVERIFY(startHost(settings, backlogLimit));

    QList<BroadcastClient *> readers;
    for (int i = 0; i < 3; ++i)
        readers.append(openClient(QStringLiteral("/broadcast/bulk?mode=subscribe")));
    BroadcastClient *publisher = openClient(QStringLiteral("/broadcast/bulk"));
    QVERIFY(waitOpen(m_clients));

    // A raw client that completes the handshake and then never reads again.
    QTcpSocket stalled;
    QVERIFY(Test::connectRaw(stalled, m_host->serverPort()));
    stalled.write(Test::handshakeRequest(QStringLiteral("/broadcast/bulk?mode=subscribe")));
    QCOMPARE(Test::statusCode(Test::readResponseHead(stalled)), 101);
    stalled.setReadBufferSize(1);
    QTRY_COMPARE(m_host->sessionCount(), 5);
    SessionId stalledId = 0;
    for (const SessionSnapshot &s : m_host->sessions()) {
        if (s.peerPort == stalled.localPort())
            stalledId = s.id;
    }
    QVERIFY(stalledId != 0);

    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    auto stalledClosed = [&] {
        for (const QList<QVariant> &args : std::as_const(closed)) {
            if (args.at(0).value<SessionSnapshot>().id == stalledId)
                return true;
        }
        return false;
    };

    // Messages well under the backlog limit, a few at a time, so a reader that keeps
    // up never has more than a few queued: only the stalled one can pass the limit.
    const QByteArray chunk(16 * 1024, 'x');
    const int batch = 4;
    const int maxMessages = 4000;   // 64 MiB: far more than any socket buffer takes
    int sent = 0;
    auto sendBatch = [&] {
        for (int i = 0; i < batch; ++i) {
            QByteArray data = chunk;
            data.replace(0, 8, QByteArray::number(sent).rightJustified(8, '0'));
            publisher->socket.sendBinaryMessage(data);
            ++sent;
        }
    };
    auto readersHaveAll = [&] {
        return std::all_of(readers.cbegin(), readers.cend(),
                           [&](const BroadcastClient *r) { return r->received.size() == sent; });
    };
    while (!stalledClosed() && sent < maxMessages) {
        sendBatch();
        QTRY_VERIFY_WITH_TIMEOUT(readersHaveAll(), 10000);
    }
    QVERIFY2(stalledClosed(), qPrintable(QStringLiteral("not cut off after %1 messages").arg(sent)));
    SessionSnapshot snapshot;
    for (const QList<QVariant> &args : std::as_const(closed)) {
        if (args.at(0).value<SessionSnapshot>().id == stalledId)
            snapshot = args.at(0).value<SessionSnapshot>();
    }
    QCOMPARE(snapshot.closeCause, CloseCause::Backlog);

    // The others carry on, and have missed nothing.
    for (int i = 0; i < 5; ++i) {
        sendBatch();
        QTRY_VERIFY_WITH_TIMEOUT(readersHaveAll(), 10000);
    }
    QCOMPARE(closed.size(), 1);
    for (const BroadcastClient *reader : std::as_const(readers)) {
        QVERIFY(reader->isOpen());
        for (int i = 0; i < sent; ++i) {
            QVERIFY(reader->received.at(i).binary);
            QCOMPARE(reader->received.at(i).payload.left(8), QByteArray::number(i).rightJustified(8, '0'));
        }
    }
    QVERIFY(m_host->session(stalledId).id == 0);
}

void tst_Broadcast::pausedSubscriberCatchesUpInOrder()
{
    // A subscriber that stops reading for a while, under the backlog limit: once the
    // kernel's buffers are full the host queues its messages, while the others still
    // get theirs straight away. When it reads again it gets every one, whole and in order.
    QVariantMap settings = noTicker;
    settings.insert(QStringLiteral("echo"), false);
    QVERIFY(startHost(settings, 256 * 1024 * 1024));
    BroadcastClient *reader = openClient(QStringLiteral("/broadcast/bulk?mode=subscribe"));
    BroadcastClient *publisher = openClient(QStringLiteral("/broadcast/bulk"));
    QVERIFY(waitOpen(m_clients));

    QTcpSocket paused;
    QVERIFY(Test::connectRaw(paused, m_host->serverPort()));
    paused.write(Test::handshakeRequest(QStringLiteral("/broadcast/bulk?mode=subscribe")));
    QCOMPARE(Test::statusCode(Test::readResponseHead(paused)), 101);
    paused.setReadBufferSize(1);
    QTRY_COMPARE(m_host->sessionCount(), 3);

    // 32 MiB: more than the kernel's send and receive buffers together can hold.
    const int count = 2048;
    const QByteArray chunk(16 * 1024, 'p');
    for (int i = 0; i < count; ++i) {
        QByteArray data = chunk;
        data.replace(0, 8, QByteArray::number(i).rightJustified(8, '0'));
        publisher->socket.sendBinaryMessage(data);
        if (i % 64 == 63)
            QTRY_COMPARE_WITH_TIMEOUT(reader->received.size(), i + 1, 10000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(reader->received.size(), count, 10000);

    paused.setReadBufferSize(0);
    QByteArray buffer;
    for (int i = 0; i < count; ++i) {
        const std::optional<Test::Frame> frame = Test::readFrame(paused, buffer, 10000);
        QVERIFY2(frame, qPrintable(QStringLiteral("message %1 of %2 missing").arg(i).arg(count)));
        QCOMPARE(frame->opcode, 2);
        QVERIFY(frame->fin);
        QCOMPARE(frame->payload.size(), chunk.size());
        QCOMPARE(frame->payload.left(8), QByteArray::number(i).rightJustified(8, '0'));
    }
    QCOMPARE(m_host->sessionCount(), 3);
}

void tst_Broadcast::badSettingsRefuseThePlugin()
{
    QVERIFY(startHost({{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("intervalMs"), QStringLiteral("fast")}}}}));
    bool found = false;
    for (const RefusedPlugin &plugin : m_host->plugins().refused()) {
        if (plugin.reason.contains(QStringLiteral("ticker.intervalMs")))
            found = true;
    }
    QVERIFY(found);
    QVERIFY(!m_host->plugins().handler(QStringLiteral("broadcast")));
}

// The same retain as across a cluster (tests/auto/cluster), here on the host's local bus.
void tst_Broadcast::retainGivesANewSubscriberTheLastMessageOnAHostAlone()
{
    QVariantMap settings = noTicker;
    settings.insert(QStringLiteral("retain"), true);
    QVERIFY(startHost(settings));
    BroadcastClient *publisher = openClient(QStringLiteral("/broadcast/state"));
    QVERIFY(waitOpen({publisher}));
    publisher->socket.sendTextMessage(QStringLiteral("one"));
    publisher->socket.sendBinaryMessage(QByteArray("two"));
    QTRY_COMPARE(publisher->received.size(), 2);
    BroadcastClient *late = openClient(QStringLiteral("/broadcast/state?mode=subscribe"));
    QVERIFY(waitOpen({late}));
    QTRY_COMPARE(late->received.size(), 1);
    QCOMPARE(late->received.first(), (Received{true, QByteArray("two")}));   // binary stays binary
    publisher->socket.sendTextMessage(QStringLiteral("three"));
    QTRY_COMPARE(late->received.size(), 2);
    QCOMPARE(late->received.last(), (Received{false, QByteArray("three")}));
    BroadcastClient *elsewhere = openClient(QStringLiteral("/broadcast/empty?mode=subscribe"));
    QVERIFY(waitOpen({elsewhere}));
    QTest::qWait(200);
    QVERIFY(elsewhere->received.isEmpty());
}

QTEST_GUILESS_MAIN(tst_Broadcast)
#include "tst_broadcast.moc"
