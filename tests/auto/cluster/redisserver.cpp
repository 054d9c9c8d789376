// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "redisserver.h"

#include "testsupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QThread>

namespace WsPlug::Test {

RedisServer::RedisServer(bool persistent) : m_persistent(persistent) {}

RedisServer::~RedisServer()
{
    kill();
}

bool RedisServer::available()
{
    return !QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty();
}

bool RedisServer::start()
{
    if (m_port == 0) {
        // A free port: bound and released; redis-server takes it a moment later.
        m_port = WsPlug::Test::freePort();
        if (m_port == 0) {
            m_error = QStringLiteral("no free port");
            return false;
        }
    }
    QStringList args{QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                     QStringLiteral("--save"), QString(), QStringLiteral("--dir"), m_dir.path(),
                     QStringLiteral("--daemonize"), QStringLiteral("no"), QStringLiteral("--loglevel"), QStringLiteral("warning")};
    args << QStringLiteral("--appendonly") << (m_persistent ? QStringLiteral("yes") : QStringLiteral("no"));
    if (m_persistent)
        args << QStringLiteral("--appendfsync") << QStringLiteral("always");
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(QStringLiteral("redis-server"), args);
    if (!m_process.waitForStarted(5000)) {
        m_error = QStringLiteral("redis-server did not start: %1").arg(m_process.errorString());
        return false;
    }
    // Ready once it accepts a connection and answers PING.
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(200)) {
            socket.write("PING\r\n");
            if (socket.waitForReadyRead(1000) && socket.readAll().startsWith("+PONG"))
                return true;
        }
        if (m_process.state() != QProcess::Running)
            break;
        QThread::msleep(20);
    }
    m_error = QStringLiteral("redis-server on port %1 did not become ready").arg(m_port);
    return false;
}

void RedisServer::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(5000);
}

bool RedisServer::restartEmpty()
{
    kill();
    QDir dir(m_dir.path());
    for (const QString &entry : dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
        QFileInfo info(dir.filePath(entry));
        if (info.isDir())
            QDir(info.filePath()).removeRecursively();
        else
            QFile::remove(info.filePath());
    }
    return start();
}

} // namespace WsPlug::Test
