// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "channellog_p.h"

#include <algorithm>

namespace WsPlug::Internal {

ChannelLog::ChannelLog(const QString &epoch, int maxChannels)
    : m_epoch(epoch), m_maxChannels(std::max(1, maxChannels))
{
}

ChannelLog::Channel &ChannelLog::channel(const QByteArray &name)
{
    auto it = m_channels.find(name);
    if (it == m_channels.end()) {
        if (m_channels.size() >= m_maxChannels) {
            // A linear scan, only when full: rare, and bounded by maxChannels.
            auto oldest = std::min_element(m_channels.begin(), m_channels.end(),
                                           [](const Channel &a, const Channel &b) { return a.lastUse < b.lastUse; });
            m_channels.erase(oldest);
            ++m_forgotten;
        }
        it = m_channels.insert(name, Channel());
    }
    it->lastUse = ++m_clock;
    return *it;
}

BusMessage ChannelLog::append(const QByteArray &name, const QByteArray &data, int historySize)
{
    Channel &c = channel(name);
    BusMessage m;
    m.channel = QString::fromUtf8(name);
    m.data = data;
    m.epoch = m_epoch;
    m.offset = ++c.top;
    if (historySize > 0) {
        c.messages.push_back(m);
        while (c.messages.size() > size_t(historySize))
            c.messages.pop_front();
    } else {
        c.messages.clear();
    }
    return m;
}

BusHistory ChannelLog::read(const QByteArray &name, const QString &epoch, quint64 offset, int limit)
{
    Channel &c = channel(name);
    BusHistory h;
    h.ok = true;
    h.epoch = m_epoch;
    h.topOffset = c.top;
    if (epoch.isEmpty()) {
        // The last `limit` messages, as a new subscriber asks for them.
        const size_t n = std::min(c.messages.size(), size_t(std::max(0, limit)));
        for (auto it = c.messages.end() - qsizetype(n); it != c.messages.end(); ++it)
            h.messages.append(*it);
        h.reachesBack = true;
        return h;
    }
    for (const BusMessage &m : c.messages) {
        if (m.offset > offset && h.messages.size() < limit)
            h.messages.append(m);
    }
    h.reachesBack = reachesBack(epoch, offset, m_epoch, c.top, h.messages);
    if (!h.reachesBack)
        h.messages.clear();
    return h;
}

bool ChannelLog::reachesBack(const QString &askedEpoch, quint64 askedOffset, const QString &epoch, quint64 top,
                             const QList<BusMessage> &found)
{
    if (askedEpoch != epoch || askedOffset > top)
        return false;
    if (askedOffset == top)
        return found.isEmpty();
    if (quint64(found.size()) != top - askedOffset)
        return false;
    for (qsizetype i = 0; i < found.size(); ++i) {
        if (found.at(i).offset != askedOffset + 1 + quint64(i))
            return false;
    }
    return true;
}

} // namespace WsPlug::Internal
