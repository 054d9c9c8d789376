// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshakesmodel.h"

#include <QBrush>
#include <QColor>

namespace WsPlug {

HandshakesModel::HandshakesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int HandshakesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int HandshakesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HandshakesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time: return tr("Time");
    case Client: return tr("Client");
    case Path: return tr("Path");
    case Status: return tr("Status");
    case Outcome: return tr("Outcome");
    case Duration: return tr("Duration");
    case Reason: return tr("Reason");
    }
    return {};
}

QVariant HandshakesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_records.size()))
        return {};
    const HandshakeRecord &r = m_records[size_t(index.row())];
    if (role == Qt::ForegroundRole && index.column() == Status) {
        if (r.status == 101)
            return QBrush(QColor(0x1b, 0x7f, 0x3b));
        return QBrush(QColor(0xb0, 0x2a, 0x2a));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Time: return r.time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case Client: return QString(r.peerAddress + QLatin1Char(':') + QString::number(r.peerPort));
    case Path: return r.admin ? QString(r.path + tr(" (admin)")) : r.path;
    case Status: return r.status == 0 ? QStringLiteral("–") : QString::number(r.status);
    case Outcome: return outcomeName(r.outcome);
    case Duration: return QStringLiteral("%1 ms").arg(r.durationMs);
    case Reason: return r.reason;
    }
    return {};
}

void HandshakesModel::reset(const QList<HandshakeRecord> &records)
{
    beginResetModel();
    m_records.clear();
    const qsizetype start = std::max<qsizetype>(0, records.size() - MaxRecords);
    m_records.assign(records.cbegin() + start, records.cend());
    m_dropped = quint64(start);   // a new snapshot (a new attach): count afresh
    endResetModel();
}

void HandshakesModel::add(const QList<HandshakeRecord> &records)
{
    if (records.isEmpty())
        return;
    const int incoming = int(std::min<qsizetype>(records.size(), MaxRecords));
    m_dropped += quint64(records.size() - incoming);   // never shown: too many at once
    const int overflow = int(m_records.size()) + incoming - MaxRecords;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_records.erase(m_records.begin(), m_records.begin() + overflow);
        m_dropped += quint64(overflow);
        endRemoveRows();
    }
    const int first = int(m_records.size());
    beginInsertRows({}, first, first + incoming - 1);
    m_records.insert(m_records.end(), records.cend() - incoming, records.cend());
    endInsertRows();
}

} // namespace WsPlug
