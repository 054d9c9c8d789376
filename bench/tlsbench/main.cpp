// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// wsplug-tlsbench: one Qt WebSocket client program for ws:// and wss:// alike, so that
// the two can be compared (bench/tls.sh). wsplug-loadgen speaks RFC 6455 itself and has
// no TLS; this one uses QWebSocket (and so Qt's QSslSocket on the client side too).
//
//   wsplug-tlsbench --url ws[s]://127.0.0.1:PORT --mode echo|fanout|idle [--ca FILE]
//                   [--connections 10] [--size 32] [--duration 3] [--subscribers 1000]
//                   [--rounds 100] [--hold 2]
//
// Prints one "RESULT key=value ..." line.

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include <sys/resource.h>

namespace {

struct Options
{
    QUrl base;
    QString mode;
    QString caFile;
    int connections = 10;
    int size = 32;
    double duration = 3;
    int subscribers = 1000;
    int rounds = 100;
    double hold = 2;
};

double percentile(std::vector<qint64> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return double(v[size_t(p * double(v.size() - 1))]) / 1000.0;   // ns -> us
}

class Bench : public QObject
{
public:
    explicit Bench(const Options &o) : m_o(o)
    {
        m_ssl = QSslConfiguration::defaultConfiguration();
        if (!o.caFile.isEmpty())
            m_ssl.addCaCertificates(QSslCertificate::fromPath(o.caFile));
        m_clock.start();
    }

    void start()
    {
        if (m_o.mode == QLatin1String("echo"))
            startEcho();
        else if (m_o.mode == QLatin1String("fanout"))
            startFanout();
        else
            startIdle();
        QTimer::singleShot(120000, this, [this] { fail("timed out"); });
    }

private:
    QWebSocket *open(const QString &path)
    {
        auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
        ws->setSslConfiguration(m_ssl);
        QObject::connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this, ws](QAbstractSocket::SocketError) {
            fail(ws->errorString().toUtf8());
        });
        QUrl url = m_o.base;
        const qsizetype q = path.indexOf(QLatin1Char('?'));
        url.setPath(q < 0 ? path : path.left(q));
        if (q >= 0)
            url.setQuery(path.mid(q + 1));
        ws->open(url);
        return ws;
    }

    void fail(const QByteArray &why)
    {
        if (m_failed)
            return;   // one line, for the first error
        m_failed = true;
        std::printf("RESULT mode=%s ok=0 error=\"%s\"\n", qPrintable(m_o.mode), why.constData());
        std::fflush(stdout);
        QCoreApplication::exit(1);
    }

    // One message in flight per connection; measured after a 0.5 s warm-up.
    void startEcho()
    {
        const QByteArray payload(m_o.size, 'x');
        for (int i = 0; i < m_o.connections; ++i) {
            QWebSocket *ws = open(QStringLiteral("/echo"));
            auto sentAt = std::make_shared<qint64>(0);
            QObject::connect(ws, &QWebSocket::connected, this, [this, ws, payload, sentAt] {
                if (++m_connected == m_o.connections) {
                    m_warmupEndNs = m_clock.nsecsElapsed() + 500'000'000;
                    QTimer::singleShot(int(500 + m_o.duration * 1000), this, [this] { finishEcho(); });
                }
                *sentAt = m_clock.nsecsElapsed();
                ws->sendTextMessage(QString::fromLatin1(payload));
            });
            QObject::connect(ws, &QWebSocket::textMessageReceived, this, [this, ws, payload, sentAt](const QString &m) {
                const qint64 now = m_clock.nsecsElapsed();
                if (m.size() != payload.size())
                    fail("echo differs");
                if (m_warmupEndNs && now >= m_warmupEndNs) {
                    m_latencies.push_back(now - *sentAt);
                    ++m_messages;
                }
                *sentAt = now;
                ws->sendTextMessage(QString::fromLatin1(payload));
            });
        }
    }

    void finishEcho()
    {
        std::printf("RESULT mode=echo url=%s connections=%d size=%d seconds=%.2f messages=%lld msgs_per_s=%.0f "
                    "p50_us=%.1f p99_us=%.1f ok=1\n",
                    qPrintable(m_o.base.toString()), m_o.connections, m_o.size, m_o.duration, m_messages,
                    double(m_messages) / m_o.duration, percentile(m_latencies, 0.5), percentile(m_latencies, 0.99));
        std::fflush(stdout);
        QCoreApplication::exit(0);
    }

    // K subscribers and one publisher; one message at a time until all K have it.
    void startFanout()
    {
        for (int i = 0; i < m_o.subscribers; ++i) {
            QWebSocket *ws = open(QStringLiteral("/broadcast/tlsbench?mode=subscribe"));
            QObject::connect(ws, &QWebSocket::connected, this, [this] {
                if (++m_connected < m_o.subscribers)
                    return;
                m_publisher = open(QStringLiteral("/broadcast/tlsbench?mode=publish"));
                QObject::connect(m_publisher, &QWebSocket::connected, this, [this] {
                    QTimer::singleShot(300, this, [this] { publish(); });   // subscriptions settle
                });
            });
            QObject::connect(ws, &QWebSocket::textMessageReceived, this, [this](const QString &) {
                if (++m_received < m_o.subscribers)
                    return;
                m_latencies.push_back(m_clock.nsecsElapsed() - m_roundStartNs);
                if (++m_round >= m_o.rounds) {
                    const double seconds = double(m_clock.nsecsElapsed() - m_fanoutStartNs) / 1e9;
                    std::printf("RESULT mode=fanout url=%s subscribers=%d rounds=%d seconds=%.2f deliveries_per_s=%.0f "
                                "p50_ms=%.2f p99_ms=%.2f ok=1\n",
                                qPrintable(m_o.base.toString()), m_o.subscribers, m_round, seconds,
                                double(m_o.subscribers) * m_round / seconds, percentile(m_latencies, 0.5) / 1000,
                                percentile(m_latencies, 0.99) / 1000);
                    std::fflush(stdout);
                    QCoreApplication::exit(0);
                    return;
                }
                publish();
            });
        }
    }

    void publish()
    {
        if (m_fanoutStartNs == 0)
            m_fanoutStartNs = m_clock.nsecsElapsed();
        m_received = 0;
        m_roundStartNs = m_clock.nsecsElapsed();
        m_publisher->sendTextMessage(QStringLiteral("round %1 ................").arg(m_round));
    }

    // Opens N connections and holds them (bench/tls.sh reads the server's RSS meanwhile).
    void startIdle()
    {
        for (int i = 0; i < m_o.connections; ++i) {
            QWebSocket *ws = open(QStringLiteral("/echo"));
            QObject::connect(ws, &QWebSocket::connected, this, [this] {
                if (++m_connected < m_o.connections)
                    return;
                std::printf("HELD connections=%d\n", m_connected);
                std::fflush(stdout);
                QTimer::singleShot(int(m_o.hold * 1000), this, [this] {
                    std::printf("RESULT mode=idle connections=%d ok=1\n", m_connected);
                    std::fflush(stdout);
                    QCoreApplication::exit(0);
                });
            });
        }
    }

    Options m_o;
    bool m_failed = false;
    QSslConfiguration m_ssl;
    QElapsedTimer m_clock;
    int m_connected = 0;
    qint64 m_warmupEndNs = 0;
    long long m_messages = 0;
    std::vector<qint64> m_latencies;
    QWebSocket *m_publisher = nullptr;
    int m_received = 0;
    int m_round = 0;
    qint64 m_roundStartNs = 0;
    qint64 m_fanoutStartNs = 0;
};

} // namespace

int main(int argc, char **argv)
{
    // A thousand connections need more descriptors than the usual soft limit of 1,024.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("ws://HOST:PORT or wss://HOST:PORT"), QStringLiteral("url"));
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("echo, fanout or idle"), QStringLiteral("mode"));
    const QCommandLineOption ca(QStringLiteral("ca"), QStringLiteral("CA file (PEM) to trust"), QStringLiteral("file"));
    const QCommandLineOption connections(QStringLiteral("connections"), QStringLiteral("echo/idle connections"), QStringLiteral("n"), QStringLiteral("10"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("echo message bytes"), QStringLiteral("n"), QStringLiteral("32"));
    const QCommandLineOption duration(QStringLiteral("duration"), QStringLiteral("echo seconds"), QStringLiteral("s"), QStringLiteral("3"));
    const QCommandLineOption subscribers(QStringLiteral("subscribers"), QStringLiteral("fanout recipients"), QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption rounds(QStringLiteral("rounds"), QStringLiteral("fanout rounds"), QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption hold(QStringLiteral("hold"), QStringLiteral("idle: seconds to hold"), QStringLiteral("s"), QStringLiteral("2"));
    parser.addOptions({url, mode, ca, connections, size, duration, subscribers, rounds, hold});
    parser.process(app);
    Options o;
    o.base = QUrl(parser.value(url));
    o.mode = parser.value(mode);
    o.caFile = parser.value(ca);
    o.connections = std::clamp(parser.value(connections).toInt(), 1, 20000);
    o.size = std::clamp(parser.value(size).toInt(), 1, 1 << 24);
    o.duration = std::clamp(parser.value(duration).toDouble(), 0.1, 600.0);
    o.subscribers = std::clamp(parser.value(subscribers).toInt(), 1, 20000);
    o.rounds = std::clamp(parser.value(rounds).toInt(), 1, 100000);
    o.hold = std::clamp(parser.value(hold).toDouble(), 0.0, 600.0);
    if (!o.base.isValid() || (o.base.scheme() != QLatin1String("ws") && o.base.scheme() != QLatin1String("wss"))
        || !QStringList{QStringLiteral("echo"), QStringLiteral("fanout"), QStringLiteral("idle")}.contains(o.mode)) {
        std::fprintf(stderr, "wsplug-tlsbench: --url ws[s]://HOST:PORT and --mode echo|fanout|idle are required\n");
        return 2;
    }
    Bench bench(o);
    bench.start();
    return app.exec();
}
