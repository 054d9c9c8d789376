// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringList>

namespace WsPlug::Internal {

class RedisConnection;

/*
 * The cluster's nodes, for the admin channel: each host stamps itself into one sorted
 * set (by Redis's clock, so hosts' clocks do not matter) on every refresh, drops the
 * entries older than the time to live, and reads the rest.
 */
class ClusterNodes
{
public:
    ClusterNodes(const QByteArray &nodeId, int ttlMs) : m_nodeId(nodeId), m_ttlMs(ttlMs) {}

    //! One stamp-and-read on \a commands; the answer updates nodes() later.
    void refresh(RedisConnection *commands);
    //! This host and the others seen within the time to live, sorted; empty before the first answer.
    QStringList nodes() const { return m_nodes; }

private:
    const QByteArray m_nodeId;
    const int m_ttlMs;
    QStringList m_nodes;
    bool m_busy = false;
};

} // namespace WsPlug::Internal
