// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/clusterbus.h>
#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QHash>

#include <deque>

namespace WsPlug::Internal {

/*
 * Offsets and history of the channels of a host without a cluster (what Redis keeps
 * for a cluster), and the one rule both use to say whether a history reaches back.
 * No I/O. Bounded: at most maxChannels channels keep state (the one idle longest is
 * forgotten first) and each keeps at most its historySize.
 */
class WSPLUG_EXPORT ChannelLog
{
public:
    ChannelLog(const QString &epoch, int maxChannels);

    //! Assigns the next offset of \a channel and keeps the message if \a historySize > 0.
    BusMessage append(const QByteArray &channel, const QByteArray &data, int historySize);
    //! history() for this host alone.
    BusHistory read(const QByteArray &channel, const QString &epoch, quint64 offset, int limit);
    int channelCount() const { return int(m_channels.size()); }
    quint64 forgottenChannels() const { return m_forgotten; }

    /*!
        Recovery is all or nothing: the history reaches back from (\a askedEpoch,
        \a askedOffset) only if it is the channel's epoch and the messages found run
        without a gap from askedOffset + 1 to the channel's top.
    */
    static bool reachesBack(const QString &askedEpoch, quint64 askedOffset, const QString &epoch, quint64 top,
                            const QList<BusMessage> &found);

private:
    struct Channel
    {
        quint64 top = 0;
        std::deque<BusMessage> messages;
        quint64 lastUse = 0;
    };
    Channel &channel(const QByteArray &name);

    const QString m_epoch;
    const int m_maxChannels;
    QHash<QByteArray, Channel> m_channels;
    quint64 m_clock = 0;
    quint64 m_forgotten = 0;
};

} // namespace WsPlug::Internal
