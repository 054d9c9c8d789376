// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QProcess>
#include <QTemporaryDir>

namespace WsPlug::Test {

/*
 * A real redis-server (Debian's) for the cluster tests: on a free loopback port, in a
 * temporary directory, no RDB snapshots. With persistence, an append-only file written
 * on every command, so that a kill and restart keeps the data (restartEmpty() removes
 * it first). Stopped, by its own process, when this object goes.
 */
class RedisServer
{
public:
    explicit RedisServer(bool persistent = false);
    ~RedisServer();

    //! Starts it (on the same port as before, if it ran); false with a reason in error().
    bool start();
    //! SIGKILL, as a crash would.
    void kill();
    //! kill(), remove its files, start(): Redis back with an empty data set.
    bool restartEmpty();
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1").arg(m_port); }
    QString error() const { return m_error; }
    //! Whether the redis-server program exists at all.
    static bool available();

private:
    bool m_persistent;
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace WsPlug::Test
