// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QObject>
#include <QSaveFile>

#include <memory>

class QJsonValue;

namespace WsPlug {

class MonitorClient;

/*
 * Records the watched sessions as a pcapng file, through the admin channel's
 * "record", "recordStop" and "recordFetch" (docs/admin-protocol.md): the host draws
 * the bytes both ways, the monitor fetches the finished file in chunks and writes it
 * where the user chose. Wireshark and tshark open it as HTTP and WebSocket.
 */
class WatchRecorder final : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Starting, Recording, Saving };

    explicit WatchRecorder(MonitorClient *client, QObject *parent = nullptr);
    State state() const { return m_state; }
    QDateTime startedAt() const { return m_startedAt; }

    //! Starts recording what the client watches, now and later, up to \a maxBytes.
    void start(qint64 maxBytes);
    //! Stops, fetches the file and writes it to \a fileName: saved() or failed().
    void stopAndSave(const QString &fileName);

Q_SIGNALS:
    void stateChanged();
    void saved(const QString &fileName, qint64 bytes, int sessions, bool reachedLimit);
    void failed(const QString &error);

private:
    void onReply(qint64 id, bool ok, const QJsonValue &result, const QString &error);
    void fetchNext();
    void fail(const QString &error);
    void setState(State state);

    MonitorClient *m_client;
    State m_state = State::Idle;
    QDateTime m_startedAt;
    qint64 m_pending = 0;      // the command whose reply is awaited
    std::unique_ptr<QSaveFile> m_file;
    qint64 m_size = 0;         // of the recording being fetched
    qint64 m_fetched = 0;
    int m_sessions = 0;
    bool m_reachedLimit = false;
};

} // namespace WsPlug
