// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "sessionsmodel.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QDateTime>
#include <QLocale>
#include <QSet>

#include <limits>

namespace WsPlug {

QString formatBytes(double bytes)
{
    return QLocale::system().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeTraditionalFormat);
}

QString formatDuration(qint64 seconds)
{
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

SessionsModel::SessionsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_sessions.size());
}

int SessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Id: return tr("ID");
    case Address: return tr("Client");
    case Route: return tr("Route / plugin");
    case Path: return tr("Path");
    case ConnectedFor: return tr("Connected for");
    case MessagesIn: return tr("Msgs in");
    case MessagesOut: return tr("Msgs out");
    case BytesIn: return tr("Bytes in");
    case BytesOut: return tr("Bytes out");
    case LastActivity: return tr("Last activity");
    case Subprotocol: return tr("Subprotocol");
    case PingRtt: return tr("Ping RTT");
    case State: return tr("State");
    case Subject: return tr("Subject");
    case Expires: return tr("Token expires");
    case Transport: return tr("Transport");
    }
    return {};
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_sessions.size()))
        return {};
    const SessionSnapshot &s = m_sessions[size_t(index.row())];
    if (role == IdRole)
        return QVariant::fromValue(s.id);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (role == SortRole) {
        switch (index.column()) {
        case Id: return QVariant::fromValue(s.id);
        case Address: return QString(s.peerAddress + QLatin1Char(':') + QString::number(s.peerPort).rightJustified(5, QLatin1Char('0')));
        case Route: return s.route;
        case Path: return s.path;
        case Subprotocol: return s.subprotocol;
        case ConnectedFor: return s.connectedAt.toMSecsSinceEpoch() * -1;
        case MessagesIn: return QVariant::fromValue(s.in.messages);
        case MessagesOut: return QVariant::fromValue(s.out.messages);
        case BytesIn: return QVariant::fromValue(s.in.bytes);
        case BytesOut: return QVariant::fromValue(s.out.bytes);
        case LastActivity: return s.lastActivity.toMSecsSinceEpoch() * -1;
        case PingRtt: return s.pingRttMs;
        case State: return Protocol::stateName(s.state);
        case Subject: return s.subject;
        case Expires: return s.tokenExpiresAt.isValid() ? s.tokenExpiresAt.toMSecsSinceEpoch() : std::numeric_limits<qint64>::max();
        case Transport: return s.transport;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        const bool number = index.column() == Id || (index.column() >= MessagesIn && index.column() <= BytesOut)
                         || index.column() == PingRtt;
        return QVariant(int(number ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter));
    }
    if (role == Qt::ToolTipRole && index.column() == Path && !s.query.isEmpty())
        return QString(s.path + QLatin1Char('?') + s.query);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Id: return QString::number(s.id);
    case Address: return QString(s.peerAddress + QLatin1Char(':') + QString::number(s.peerPort));
    case Route: return QString(s.route + QStringLiteral("  (") + s.pluginId + QLatin1Char(')'));
    case Path: return s.query.isEmpty() ? s.path : QString(s.path + QLatin1Char('?') + s.query);
    case Subprotocol: return s.subprotocol.isEmpty() ? QStringLiteral("–") : s.subprotocol;
    case ConnectedFor: return formatDuration(std::max<qint64>(0, s.connectedAt.secsTo(now)));
    case MessagesIn: return QLocale::system().toString(qulonglong(s.in.messages));
    case MessagesOut: return QLocale::system().toString(qulonglong(s.out.messages));
    case BytesIn: return formatBytes(double(s.in.bytes));
    case BytesOut: return formatBytes(double(s.out.bytes));
    case LastActivity: {
        const qint64 ago = std::max<qint64>(0, s.lastActivity.secsTo(now));
        return ago == 0 ? tr("now") : tr("%1 ago").arg(formatDuration(ago));
    }
    case PingRtt: return s.pingRttMs < 0 ? QStringLiteral("–") : QStringLiteral("%1 ms").arg(s.pingRttMs);
    case State: return Protocol::stateName(s.state);
    case Subject: return s.subject.isEmpty() ? QStringLiteral("–") : s.subject;
    case Expires: {
        // A session without a bearer token has no expiry.
        if (!s.tokenExpiresAt.isValid())
            return QStringLiteral("–");
        const qint64 left = now.secsTo(s.tokenExpiresAt);
        return left > 0 ? tr("in %1").arg(formatDuration(left)) : tr("%1 ago").arg(formatDuration(-left));
    }
    case Transport:
        // Engine.IO sessions (docs/fallback.md); an upgrade says when it happened.
        return s.upgradedAt.isValid()
                ? tr("%1 (at %2)").arg(s.transport, s.upgradedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                : s.transport;
    }
    return {};
}

void SessionsModel::reset(const QList<SessionSnapshot> &sessions)
{
    beginResetModel();
    m_sessions.assign(sessions.cbegin(), sessions.cend());
    m_rows.clear();
    m_rtts.clear();
    for (const SessionSnapshot &s : m_sessions)
        noteRtt(s);
    for (int i = 0; i < int(m_sessions.size()); ++i)
        m_rows.insert(m_sessions[size_t(i)].id, i);
    endResetModel();
}

void SessionsModel::add(const QList<SessionSnapshot> &sessions)
{
    QList<SessionSnapshot> fresh;
    for (const SessionSnapshot &s : sessions) {
        if (!m_rows.contains(s.id))
            fresh.append(s);
    }
    if (fresh.isEmpty())
        return;
    const int first = int(m_sessions.size());
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    for (const SessionSnapshot &s : std::as_const(fresh)) {
        m_rows.insert(s.id, int(m_sessions.size()));
        m_sessions.push_back(s);
        noteRtt(s);
    }
    endInsertRows();
}

void SessionsModel::remove(const QList<SessionId> &ids)
{
    // The rows to drop are swapped to the end in one layout change that takes every
    // persistent index (and so the selection) along with its session, then cut off in
    // one removal: a burst of closes among 10,000 sessions costs one pass, and a
    // selection never passes from a closed session to the one that took its row.
    for (SessionId id : ids)
        m_rtts.remove(id);
    const int count = int(m_sessions.size());
    std::vector<bool> doomed(size_t(count), false);
    int dropping = 0;
    for (SessionId id : ids) {
        const int row = m_rows.value(id, -1);
        if (row >= 0 && !doomed[size_t(row)]) {
            doomed[size_t(row)] = true;
            ++dropping;
        }
    }
    if (dropping == 0)
        return;
    const int keep = count - dropping;
    QHash<int, int> moved;   // row -> row, both ways
    for (int row = 0, tail = keep; row < keep; ++row) {
        if (!doomed[size_t(row)])
            continue;
        while (doomed[size_t(tail)])
            ++tail;
        moved.insert(row, tail);
        moved.insert(tail, row);
        ++tail;
    }
    if (!moved.isEmpty()) {
        Q_EMIT layoutAboutToBeChanged();
        for (auto it = moved.cbegin(); it != moved.cend(); ++it) {
            if (it.key() < it.value()) {
                std::swap(m_sessions[size_t(it.key())], m_sessions[size_t(it.value())]);
                m_rows.insert(m_sessions[size_t(it.key())].id, it.key());
                m_rows.insert(m_sessions[size_t(it.value())].id, it.value());
            }
        }
        QModelIndexList from, to;
        for (const QModelIndex &index : persistentIndexList()) {
            const int target = moved.value(index.row(), -1);
            if (target >= 0) {
                from.append(index);
                to.append(this->index(target, index.column()));
            }
        }
        changePersistentIndexList(from, to);
        Q_EMIT layoutChanged();
    }
    beginRemoveRows({}, keep, count - 1);
    for (int row = keep; row < count; ++row)
        m_rows.remove(m_sessions[size_t(row)].id);
    m_sessions.resize(size_t(keep));
    endRemoveRows();
}

void SessionsModel::noteRtt(const SessionSnapshot &s)
{
    if (s.pingRttMs < 0)
        return;
    QList<qint64> &history = m_rtts[s.id];
    if (!history.isEmpty() && history.last() == s.pingRttMs)
        return;   // the same pong again (updates carry the latest, not each)
    history.append(s.pingRttMs);
    if (history.size() > MaxRttHistory)
        history.removeFirst();
}

void SessionsModel::applyUpdates(const QList<Protocol::CounterUpdate> &updates)
{
    int minRow = int(m_sessions.size());
    int maxRow = -1;
    for (const Protocol::CounterUpdate &update : updates) {
        const int row = m_rows.value(update.id, -1);
        if (row < 0)
            continue;
        if (update.applyTo(&m_sessions[size_t(row)])) {
            noteRtt(m_sessions[size_t(row)]);
            minRow = std::min(minRow, row);
            maxRow = std::max(maxRow, row);
        }
    }
    // One signal for the whole batch keeps the view (and the sort proxy) cheap.
    if (maxRow >= 0)
        Q_EMIT dataChanged(index(minRow, MessagesIn), index(maxRow, State));
}

void SessionsModel::sync(const QList<SessionSnapshot> &sessions)
{
    QSet<SessionId> fresh;
    fresh.reserve(sessions.size());
    for (const SessionSnapshot &s : sessions)
        fresh.insert(s.id);
    QList<SessionId> gone;
    for (const SessionSnapshot &s : m_sessions) {
        if (!fresh.contains(s.id))
            gone.append(s.id);
    }
    remove(gone);
    QList<SessionSnapshot> added;
    // One signal for the cells that changed: a signal over every column would have a
    // sorting proxy sort all 10,000 rows again although an id or address never changes.
    int minRow = int(m_sessions.size()), maxRow = -1;
    int minColumn = ColumnCount, maxColumn = -1;
    for (const SessionSnapshot &s : sessions) {
        const int row = m_rows.value(s.id, -1);
        if (row < 0) {
            added.append(s);
            continue;
        }
        SessionSnapshot &old = m_sessions[size_t(row)];
        const auto [first, last] = changedColumns(old, s);
        old = s;
        if (last < 0)
            continue;
        minRow = std::min(minRow, row);
        maxRow = std::max(maxRow, row);
        minColumn = std::min(minColumn, first);
        maxColumn = std::max(maxColumn, last);
    }
    if (maxRow >= 0)
        Q_EMIT dataChanged(index(minRow, minColumn), index(maxRow, maxColumn));
    add(added);
}

/*!
    The first and last column whose text differs between \a a and \a b, or (ColumnCount, -1)
    when none does.
*/
std::pair<int, int> SessionsModel::changedColumns(const SessionSnapshot &a, const SessionSnapshot &b)
{
    // One entry per column, in the order of Column: a column added means an entry here.
    static_assert(ColumnCount == 16, "changedColumns() lists every column in order");
    const bool changed[ColumnCount] = {
        a.id != b.id,
        a.peerAddress != b.peerAddress || a.peerPort != b.peerPort,
        a.route != b.route || a.pluginId != b.pluginId,
        a.path != b.path || a.query != b.query,
        a.subprotocol != b.subprotocol,
        a.connectedAt != b.connectedAt,
        a.in.messages != b.in.messages,
        a.out.messages != b.out.messages,
        a.in.bytes != b.in.bytes,
        a.out.bytes != b.out.bytes,
        a.lastActivity != b.lastActivity,
        a.pingRttMs != b.pingRttMs,
        a.state != b.state,
        a.subject != b.subject,
        a.tokenExpiresAt != b.tokenExpiresAt,
        a.transport != b.transport || a.upgradedAt != b.upgradedAt,
    };
    int first = ColumnCount, last = -1;
    for (int c = 0; c < ColumnCount; ++c) {
        if (changed[c]) {
            first = std::min(first, c);
            last = c;
        }
    }
    return {first, last};
}

void SessionsModel::refreshTimes()
{
    // Both columns are relative to now: they age even when the host reports nothing.
    if (m_sessions.empty())
        return;
    const int last = int(m_sessions.size()) - 1;
    Q_EMIT dataChanged(index(0, ConnectedFor), index(last, ConnectedFor), {Qt::DisplayRole});
    Q_EMIT dataChanged(index(0, LastActivity), index(last, LastActivity), {Qt::DisplayRole});
}

} // namespace WsPlug
