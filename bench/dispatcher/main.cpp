// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// Ping-pong throughput on a few busy loopback connections while many idle ones are held
// open, on Qt's own dispatchers and on WsPlug::EpollEventDispatcher. Each run gets a fresh
// QThread, so all of them share one process and one set of kernel settings.

#include <wsplug/epolleventdispatcher.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <sys/resource.h>

namespace {

struct Options
{
    int idle = 5000;
    int busy = 1;
    int seconds = 3;
};

struct Result
{
    QByteArray dispatcher;
    qint64 roundTrips = 0;
    qint64 elapsedMs = 0;
    bool ok = false;
};

bool spin(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, [&loop] { loop.exit(1); });
    check.start(5);
    return done() || loop.exec() == 0;
}

// Runs on the measured thread: both ends of every connection live there.
Result runBench(const Options &options)
{
    Result result;
    result.dispatcher = QThread::currentThread()->eventDispatcher()->metaObject()->className();

    QTcpServer server;
    server.setListenBacklogSize(4096);
    std::vector<QTcpSocket *> accepted;
    QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (server.hasPendingConnections()) {
            QTcpSocket *socket = server.nextPendingConnection();
            accepted.push_back(socket);
            QObject::connect(socket, &QTcpSocket::readyRead, socket,
                             [socket] { socket->write(socket->readAll()); });
        }
    });
    if (!server.listen(QHostAddress::LocalHost, 0))
        return result;

    QObject clients;
    std::vector<QTcpSocket *> all;
    const int total = options.idle + options.busy;
    // In waves, so the accept queue never overflows into SYN retries.
    while (int(all.size()) < total) {
        const int wave = std::min<int>(500, total - int(all.size()));
        for (int i = 0; i < wave; ++i) {
            auto *socket = new QTcpSocket(&clients);
            socket->connectToHost(QHostAddress::LocalHost, server.serverPort());
            all.push_back(socket);
        }
        const bool connected = spin([&] {
            return accepted.size() == all.size()
                && std::all_of(all.begin(), all.end(), [](QTcpSocket *s) {
                       return s->state() == QAbstractSocket::ConnectedState;
                   });
        }, 60000);
        if (!connected)
            return result;
    }

    const QByteArray message(16, 'p');
    qint64 roundTrips = 0;
    bool running = true;
    for (int i = 0; i < options.busy; ++i) {
        QTcpSocket *socket = all[size_t(i)];
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [&, socket] {
            socket->readAll();
            ++roundTrips;
            if (running)
                socket->write(message);
        });
    }
    QEventLoop loop;
    QTimer::singleShot(options.seconds * 1000, Qt::PreciseTimer, &loop, [&] {
        running = false;
        loop.quit();
    });
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < options.busy; ++i)
        all[size_t(i)]->write(message);
    loop.exec();
    result.elapsedMs = clock.elapsed();
    result.roundTrips = roundTrips;
    result.ok = true;
    return result;
}

Result runOnThread(const Options &options, bool epoll)
{
    QThread thread;
    if (epoll && !WsPlug::EpollEventDispatcher::installOn(&thread))
        return {};
    Result result;
    QObject context;
    context.moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(&context, [&] { result = runBench(options); },
                              Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    return result;
}

void print(const char *label, const Result &result, const Options &options)
{
    if (!result.ok) {
        std::printf("%-10s %-32s failed (file descriptor limit?)\n", label,
                    result.dispatcher.constData());
        return;
    }
    const double perSecond = double(result.roundTrips) * 1000.0 / double(result.elapsedMs);
    std::printf("%-10s %-32s %6d idle %3d busy  %10.0f round trips/s\n", label,
                result.dispatcher.constData(), options.idle, options.busy, perSecond);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Loopback ping-pong beside idle connections: Qt's dispatchers vs epoll."));
    parser.addHelpOption();
    const QCommandLineOption idleOption(QStringLiteral("idle"),
                                        QStringLiteral("Idle connections (default 5000)."),
                                        QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption busyOption(QStringLiteral("busy"),
                                        QStringLiteral("Ping-pong connections (default 1)."),
                                        QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("Seconds per run (default 3)."),
                                           QStringLiteral("s"), QStringLiteral("3"));
    parser.addOptions({idleOption, busyOption, secondsOption});
    parser.process(app);

    Options options;
    options.idle = parser.value(idleOption).toInt();
    options.busy = std::max(1, parser.value(busyOption).toInt());
    options.seconds = std::max(1, parser.value(secondsOption).toInt());

    // Two descriptors per connection, both ends in this process.
    rlimit limit = {};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);

    // The default dispatcher of a new QThread is the glib one unless QT_NO_GLIB is set;
    // it is read when the thread creates its dispatcher, so both can be measured.
    print("qt", runOnThread(options, false), options);
    qputenv("QT_NO_GLIB", "1");
    print("qt", runOnThread(options, false), options);
    print("wsplug", runOnThread(options, true), options);
    return 0;
}
