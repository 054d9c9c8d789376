// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "closesmodel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

namespace WsPlug {

ClosesModel::ClosesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int ClosesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int ClosesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ClosesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time: return tr("Closed");
    case Session: return tr("Session");
    case Client: return tr("Client");
    case Route: return tr("Route");
    case Code: return tr("Code");
    case Reason: return tr("Reason");
    case FirstClose: return tr("First close frame");
    case ClientFrame: return tr("Client's close frame");
    case HostFrame: return tr("Host's close frame");
    case Apart: return tr("Between");
    case Cause: return tr("Cause");
    case Lasted: return tr("Lasted");
    case MessagesIn: return tr("Msgs in");
    case MessagesOut: return tr("Msgs out");
    }
    return {};
}

QString ClosesModel::closeFrameText(const SessionSnapshot::CloseFrame &f)
{
    if (f.code < 0)
        return tr("none");
    if (f.code == 1005)
        return tr("1005 (no code)");
    return f.reason.isEmpty() ? QString::number(f.code) : QStringLiteral("%1 “%2”").arg(f.code).arg(f.reason);
}

QString ClosesModel::firstCloseFrame(const SessionSnapshot &s)
{
    // As the host saw the frames, when it reports them; else from the cause.
    if (s.firstClose == QLatin1String("client"))
        return tr("client");
    if (s.firstClose == QLatin1String("host"))
        return s.closeCause == Protocol::CloseCause::Protocol ? tr("host (the client broke the protocol)") : tr("host");
    switch (s.closeCause) {
    case Protocol::CloseCause::Client: return tr("client");
    case Protocol::CloseCause::Server:
    case Protocol::CloseCause::Shutdown:
    case Protocol::CloseCause::Limit: return tr("host");
    case Protocol::CloseCause::Protocol: return tr("host (the client broke the protocol)");
    case Protocol::CloseCause::Kick:
    case Protocol::CloseCause::Timeout:
    case Protocol::CloseCause::Backlog:
    case Protocol::CloseCause::Error: return tr("none — 1006");
    case Protocol::CloseCause::None: break;
    }
    return QStringLiteral("–");
}

QVariant ClosesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_entries.size()))
        return {};
    const Entry &e = m_entries[size_t(index.row())];
    const SessionSnapshot &s = e.session;
    const bool abnormal = s.closeCode == 1006 || s.closeCode == 1002 || s.closeCode == 1007 || s.closeCode == 1009
                       || s.closeCode == 1011;
    if (role == Qt::ForegroundRole && index.column() == Code)
        return QBrush(abnormal ? QColor(0xb0, 0x2a, 0x2a) : QColor(0x1b, 0x7f, 0x3b));
    if (role == Qt::ToolTipRole && index.column() == Cause) {
        return tr("client: the client sent the first close frame; server: the host, a plugin or an operator "
                  "closed it; kick: aborted by an operator; timeout: no pong in time; backlog: it stopped "
                  "reading; protocol: it broke RFC 6455 or a size limit; error: the connection dropped; "
                  "shutdown: the host stopped; limit: it passed a rate limit (1008)");
    }
    if (role == Qt::TextAlignmentRole) {
        const int c = index.column();
        const bool number = c == Session || c == Code || c == MessagesIn || c == MessagesOut;
        return QVariant(int((number ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Time: return e.closedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
    case Session: return QString::number(s.id);
    case Client: return QString(s.peerAddress + QLatin1Char(':') + QString::number(s.peerPort));
    case Route: return s.path;
    case Code: return QString::number(s.closeCode);
    case Reason: return s.closeReason.isEmpty() ? QStringLiteral("–") : s.closeReason;
    case FirstClose: return firstCloseFrame(s);
    case ClientFrame: return closeFrameText(s.clientClose);
    case HostFrame: return closeFrameText(s.hostClose);
    case Apart: return s.closeFramesApartMs < 0 ? QStringLiteral("–") : tr("%1 ms").arg(s.closeFramesApartMs);
    case Cause: return Protocol::closeCauseName(s.closeCause);
    case Lasted: {
        const qint64 ms = std::max<qint64>(0, s.connectedAt.msecsTo(e.closedAt));
        return ms < 10000 ? QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1)
                          : QStringLiteral("%1 s").arg(ms / 1000);
    }
    case MessagesIn: return QLocale::system().toString(qulonglong(s.in.messages));
    case MessagesOut: return QLocale::system().toString(qulonglong(s.out.messages));
    }
    return {};
}

const SessionSnapshot *ClosesModel::find(SessionId id, QDateTime *closedAt) const
{
    for (const Entry &e : m_entries) {
        if (e.session.id == id) {
            if (closedAt)
                *closedAt = e.closedAt;
            return &e.session;
        }
    }
    return nullptr;
}

void ClosesModel::add(const QList<SessionSnapshot> &closed, const QDateTime &when)
{
    if (closed.isEmpty())
        return;
    const int incoming = int(std::min<qsizetype>(closed.size(), MaxRecords));
    m_dropped += quint64(closed.size() - incoming);
    const int overflow = int(m_entries.size()) + incoming - MaxRecords;
    if (overflow > 0) {
        beginRemoveRows({}, int(m_entries.size()) - overflow, int(m_entries.size()) - 1);
        m_entries.erase(m_entries.end() - overflow, m_entries.end());
        m_dropped += quint64(overflow);
        endRemoveRows();
    }
    beginInsertRows({}, 0, incoming - 1);
    for (qsizetype i = closed.size() - incoming; i < closed.size(); ++i)
        m_entries.push_front({closed.at(i), when});
    endInsertRows();
}

void ClosesModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_dropped = 0;
    endResetModel();
}

} // namespace WsPlug
