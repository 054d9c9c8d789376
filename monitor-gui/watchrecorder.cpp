// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "watchrecorder.h"

#include "monitorclient.h"

#include <QJsonObject>

namespace WsPlug {

WatchRecorder::WatchRecorder(MonitorClient *client, QObject *parent)
    : QObject(parent), m_client(client)
{
    connect(client, &MonitorClient::replyReceived, this, &WatchRecorder::onReply);
    // The host drops a recording with its admin connection.
    connect(client, &MonitorClient::stateChanged, this, [this](MonitorClient::State state) {
        if (state != MonitorClient::State::Attached && m_state != State::Idle)
            fail(tr("the connection to the host ended, and the recording with it"));
    });
}

void WatchRecorder::start(qint64 maxBytes)
{
    if (m_state != State::Idle)
        return;
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Record;
    c.maxBytes = maxBytes;
    m_pending = m_client->request(c, tr("record the watched sessions"));
    if (m_pending)
        setState(State::Starting);
}

void WatchRecorder::stopAndSave(const QString &fileName)
{
    if (m_state != State::Recording)
        return;
    m_file = std::make_unique<QSaveFile>(fileName);
    if (!m_file->open(QIODevice::WriteOnly)) {
        const QString error = tr("cannot write %1: %2").arg(fileName, m_file->errorString());
        m_file.reset();
        Q_EMIT failed(error);   // still recording: another file name may do
        return;
    }
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::RecordStop;
    m_pending = m_client->request(c, tr("stop recording"));
    if (!m_pending) {
        fail(tr("not attached to a host"));
        return;
    }
    m_fetched = 0;
    setState(State::Saving);
}

void WatchRecorder::onReply(qint64 id, bool ok, const QJsonValue &result, const QString &error)
{
    if (id == 0 || id != m_pending)
        return;
    m_pending = 0;
    if (!ok) {
        fail(error);
        return;
    }
    const QJsonObject r = result.toObject();
    if (m_state == State::Starting) {
        m_startedAt = QDateTime::currentDateTime();
        setState(State::Recording);
        return;
    }
    if (m_state != State::Saving)
        return;
    if (r.contains(QLatin1String("sessions"))) {   // recordStop's reply
        m_size = r.value(QLatin1String("bytes")).toInteger();
        m_sessions = r.value(QLatin1String("sessions")).toInt();
        m_reachedLimit = r.value(QLatin1String("reachedLimit")).toBool();
        fetchNext();
        return;
    }
    const auto chunk = QByteArray::fromBase64Encoding(r.value(QLatin1String("data")).toString().toLatin1(),
                                                      QByteArray::AbortOnBase64DecodingErrors);
    if (!chunk || r.value(QLatin1String("offset")).toInteger() != m_fetched || chunk.decoded.isEmpty()) {
        fail(tr("the host sent a chunk of the recording that does not fit"));
        return;
    }
    if (m_file->write(chunk.decoded) != chunk.decoded.size()) {
        fail(tr("cannot write %1: %2").arg(m_file->fileName(), m_file->errorString()));
        return;
    }
    m_fetched += chunk.decoded.size();
    fetchNext();
}

void WatchRecorder::fetchNext()
{
    if (m_fetched < m_size) {
        Protocol::Command c;
        c.kind = Protocol::Command::Kind::RecordFetch;
        c.offset = m_fetched;
        m_pending = m_client->request(c, tr("fetch the recording (%1 of %2 bytes)").arg(m_fetched).arg(m_size));
        if (!m_pending)
            fail(tr("not attached to a host"));
        return;
    }
    const QString fileName = m_file->fileName();
    if (!m_file->commit()) {
        fail(tr("cannot write %1: %2").arg(fileName, m_file->errorString()));
        return;
    }
    m_file.reset();
    setState(State::Idle);
    Q_EMIT saved(fileName, m_size, m_sessions, m_reachedLimit);
}

void WatchRecorder::fail(const QString &error)
{
    m_pending = 0;
    m_file.reset();   // uncommitted: nothing is left behind
    setState(State::Idle);
    Q_EMIT failed(error);
}

void WatchRecorder::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged();
}

} // namespace WsPlug
