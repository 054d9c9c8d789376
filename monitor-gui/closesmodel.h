// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QAbstractTableModel>
#include <QDateTime>

#include <deque>

namespace WsPlug {

/*
 * Sessions that ended, newest first, as the host reported them: how each closing
 * handshake went (or that there was none: 1006), kept after the session left the
 * clients table. At most MaxRecords; the oldest go first, and are counted.
 */
class ClosesModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Session, Client, Route, Code, Reason, FirstClose, ClientFrame, HostFrame, Apart, Cause, Lasted,
                  MessagesIn, MessagesOut, ColumnCount };
    static constexpr int MaxRecords = 1000;

    explicit ClosesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    //! Sessions the host reported closed at about \a when (the tick's time).
    void add(const QList<SessionSnapshot> &closed, const QDateTime &when);
    void clear();
    //! Closes dropped to stay within MaxRecords, plus those the host left out of a burst.
    quint64 dropped() const { return m_dropped; }
    void countOmitted(int omitted) { m_dropped += quint64(std::max(omitted, 0)); }

    //! The newest record of session \a id, or nullptr; \a closedAt gets when it closed.
    const SessionSnapshot *find(SessionId id, QDateTime *closedAt = nullptr) const;

    //! Who sent the first close frame, in words: "client", "host", or "none (1006)".
    static QString firstCloseFrame(const SessionSnapshot &session);
    //! One side's close frame in words: "4001 “class is over”", "1005 (no code)", or "none".
    static QString closeFrameText(const SessionSnapshot::CloseFrame &frame);

private:
    struct Entry
    {
        SessionSnapshot session;
        QDateTime closedAt;
    };
    std::deque<Entry> m_entries;   // newest first
    quint64 m_dropped = 0;
};

} // namespace WsPlug
