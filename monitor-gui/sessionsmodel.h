// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QAbstractTableModel>
#include <QHash>

#include <utility>
#include <vector>

namespace WsPlug {

/*
 * The sessions of the attached host, one row each. Changes arrive in batches (one
 * per admin tick) and are applied with as few model signals as possible, so that a
 * view stays smooth and keeps its selection with 10,000 rows.
 */
class SessionsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Id, Address, Route, Path, Subprotocol, ConnectedFor, MessagesIn, MessagesOut, BytesIn, BytesOut,
                  LastActivity, PingRtt, State, Subject, Expires, Transport, ColumnCount };
    //! Sort by this role: it holds the raw value (numbers as numbers).
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int IdRole = Qt::UserRole + 1;

    explicit SessionsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void reset(const QList<SessionSnapshot> &sessions);
    void add(const QList<SessionSnapshot> &sessions);
    void remove(const QList<SessionId> &ids);
    void applyUpdates(const QList<Protocol::CounterUpdate> &updates);
    //! Makes the rows exactly \a sessions (a fresh list from the host) with row
    //! inserts, removals and one dataChanged, not a reset: the selection survives.
    void sync(const QList<SessionSnapshot> &sessions);
    //! "Connected for" moves with the clock: call once a second.
    void refreshTimes();

    int rowOf(SessionId id) const { return m_rows.value(id, -1); }
    //! The session's last ping round trips as the ticks brought them, oldest first (at
    //! most MaxRttHistory; kept while the session is in the table).
    QList<qint64> rttHistory(SessionId id) const { return m_rtts.value(id); }
    static constexpr int MaxRttHistory = 20;
    const SessionSnapshot &at(int row) const { return m_sessions[size_t(row)]; }
    static std::pair<int, int> changedColumns(const SessionSnapshot &a, const SessionSnapshot &b);

private:
    std::vector<SessionSnapshot> m_sessions;
    QHash<SessionId, int> m_rows;
    QHash<SessionId, QList<qint64>> m_rtts;   // only sessions that answered a ping
    void noteRtt(const SessionSnapshot &s);
};

QString formatBytes(double bytes);
QString formatDuration(qint64 seconds);

} // namespace WsPlug
