// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>
#include <wsplug/protocol/types.h>

#include <QByteArray>
#include <QStringList>

namespace WsPlug::Internal {

class RedisConnection;

/*
 * The cluster's nodes, for the admin channel: each host stamps itself into one sorted
 * set (by Redis's clock, so hosts' clocks do not matter) with its figures (sessions,
 * messages and bytes) on every refresh, drops the entries older than the time to live,
 * and reads the rest: the nodes and the cluster's totals.
 */
class WSPLUG_EXPORT ClusterNodes
{
public:
    //! What one node stamps: its sessions and its traffic (ClusterTraffic's fields, its own).
    struct Figures
    {
        qint64 sessions = 0;
        Protocol::ClusterTraffic traffic;
    };

    ClusterNodes(const QByteArray &nodeId, int ttlMs) : m_nodeId(nodeId), m_ttlMs(ttlMs) {}

    //! One stamp-and-read on \a commands; the answer updates nodes() and the totals later.
    void refresh(RedisConnection *commands, const Figures &mine);
    //! This host and the others seen within the time to live, sorted; empty before the first answer.
    QStringList nodes() const { return m_nodes; }
    //! The sessions of every node listed, as each last stamped them; -1 before the first answer.
    qint64 totalSessions() const { return m_total.sessions; }
    //! The traffic of every node listed, added up; zero before the first answer.
    const Protocol::ClusterTraffic &totalTraffic() const { return m_total.traffic; }

    //! A stamp as stored in Redis: numbers separated by spaces.
    static QByteArray encode(const Figures &figures);
    //! Reads a stamp back. Another node's stamp is not trusted: what is missing, negative,
    //! not a number or not finite counts as 0.
    static Figures decode(const QByteArray &stamp);
    //! Adds \a figures to \a total.
    static void add(Figures *total, const Figures &figures);

private:
    const QByteArray m_nodeId;
    const int m_ttlMs;
    QStringList m_nodes;
    Figures m_total {-1, {}};
    bool m_busy = false;
};

} // namespace WsPlug::Internal
