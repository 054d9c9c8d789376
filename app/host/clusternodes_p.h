// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringList>

namespace WsPlug::Internal {

class RedisConnection;

/*
 * The cluster's nodes, for the admin channel: each host stamps itself into one sorted
 * set (by Redis's clock, so hosts' clocks do not matter) with its session count on
 * every refresh, drops the entries older than the time to live, and reads the rest:
 * the nodes and the cluster's total of sessions.
 */
class ClusterNodes
{
public:
    ClusterNodes(const QByteArray &nodeId, int ttlMs) : m_nodeId(nodeId), m_ttlMs(ttlMs) {}

    //! One stamp-and-read on \a commands; the answer updates nodes() later.
    void refresh(RedisConnection *commands, qint64 sessions);
    //! This host and the others seen within the time to live, sorted; empty before the first answer.
    QStringList nodes() const { return m_nodes; }
    //! The sessions of every node listed, as each last stamped them; -1 before the first answer.
    qint64 totalSessions() const { return m_totalSessions; }

private:
    const QByteArray m_nodeId;
    const int m_ttlMs;
    QStringList m_nodes;
    qint64 m_totalSessions = -1;
    bool m_busy = false;
};

} // namespace WsPlug::Internal
