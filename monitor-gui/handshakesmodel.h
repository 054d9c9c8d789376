// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QAbstractTableModel>

#include <deque>

namespace WsPlug {

//! The upgrade attempts seen, newest last, at most MaxRecords (the oldest go first).
class HandshakesModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Client, Path, Status, Outcome, Duration, Reason, ColumnCount };
    static constexpr int MaxRecords = 2000;

    explicit HandshakesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void reset(const QList<HandshakeRecord> &records);
    void add(const QList<HandshakeRecord> &records);
    const HandshakeRecord &at(int row) const { return m_records[size_t(row)]; }
    //! How many records were dropped to stay within MaxRecords.
    quint64 dropped() const { return m_dropped; }

private:
    std::deque<HandshakeRecord> m_records;
    quint64 m_dropped = 0;
};

} // namespace WsPlug
