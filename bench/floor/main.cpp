// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// wsplug-floor: the comparison point for bench/run.sh. A bare Qt 6 QWebSocketServer with
// every default left alone (event dispatcher, listen backlog, frame sizes), in the shape
// of Qt's echoserver example. Any path is accepted.
//   --mode echo        sends every message back to its sender
//   --mode broadcast   sends every message to every connected client, the sender included

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QList>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>

namespace {

void serveEcho(QWebSocketServer *server)
{
    QObject::connect(server, &QWebSocketServer::newConnection, server, [server] {
        while (QWebSocket *socket = server->nextPendingConnection()) {
            socket->setParent(server);
            QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                             [socket](const QString &message) { socket->sendTextMessage(message); });
            QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket,
                             [socket](const QByteArray &message) { socket->sendBinaryMessage(message); });
            QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

void serveBroadcast(QWebSocketServer *server)
{
    auto *clients = new QList<QWebSocket *>;
    QObject::connect(server, &QObject::destroyed, [clients] { delete clients; });
    QObject::connect(server, &QWebSocketServer::newConnection, server, [server, clients] {
        while (QWebSocket *socket = server->nextPendingConnection()) {
            socket->setParent(server);
            clients->append(socket);
            QObject::connect(socket, &QWebSocket::textMessageReceived, socket, [clients](const QString &message) {
                for (QWebSocket *client : std::as_const(*clients))
                    client->sendTextMessage(message);
            });
            QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket, [clients](const QByteArray &message) {
                for (QWebSocket *client : std::as_const(*clients))
                    client->sendBinaryMessage(message);
            });
            QObject::connect(socket, &QWebSocket::disconnected, socket, [socket, clients] {
                clients->removeOne(socket);
                socket->deleteLater();
            });
        }
    });
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Bare QWebSocketServer echo/broadcast server (benchmark floor)."));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("TCP port, 0 for any (default 0)."),
                                        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption modeOption(QStringLiteral("mode"), QStringLiteral("echo or broadcast (default echo)."),
                                        QStringLiteral("mode"), QStringLiteral("echo"));
    parser.addOptions({portOption, modeOption});
    parser.process(app);

    const QString mode = parser.value(modeOption);
    if (mode != QStringLiteral("echo") && mode != QStringLiteral("broadcast")) {
        std::fprintf(stderr, "wsplug-floor: --mode must be echo or broadcast\n");
        return 2;
    }
    QWebSocketServer server(QStringLiteral("wsplug-floor"), QWebSocketServer::NonSecureMode);
    if (!server.listen(QHostAddress::LocalHost, quint16(parser.value(portOption).toUInt()))) {
        std::fprintf(stderr, "wsplug-floor: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    if (mode == QStringLiteral("echo"))
        serveEcho(&server);
    else
        serveBroadcast(&server);
    std::printf("wsplug-floor %s listening on ws://127.0.0.1:%u\n", qPrintable(mode), unsigned(server.serverPort()));
    std::fflush(stdout);
    return app.exec();
}
