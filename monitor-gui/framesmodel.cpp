// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "framesmodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QLocale>

namespace WsPlug {

namespace {

bool looksLikeText(const QByteArray &bytes)
{
    // What a class would read as text: valid UTF-8 without control characters but
    // tab and newlines.
    QString text = QString::fromUtf8(bytes);
    if (text.contains(QChar::ReplacementCharacter))
        return false;
    for (const QChar c : text) {
        if (c.unicode() < 0x20 && c != QLatin1Char('\t') && c != QLatin1Char('\n') && c != QLatin1Char('\r'))
            return false;
    }
    return true;
}

} // namespace

FramesModel::FramesModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int FramesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int FramesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FramesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Fin: return tr("FIN: the last frame of its message (RFC 6455 5.2)");
        case Rsv: return tr("RSV1-3: reserved for extensions; must be 0 without one (5.2). With permessage-deflate, "
                            "RSV1 on a message's first frame: the message is compressed (RFC 7692 6)");
        case Opcode: return tr("What the frame carries (5.2, 11.8)");
        case Mask: return tr("MASK: every client frame is masked, no server frame is (5.3)");
        case Key: return tr("The masking key the client chose for this frame (5.3)");
        case Length: return tr("Payload length, and the form it took on the wire: 7 bits, 16 bits (126) or 64 bits (127)");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time: return tr("Time");
    case Session: return tr("Session");
    case Direction: return tr("Way");
    case Fin: return tr("FIN");
    case Rsv: return tr("RSV");
    case Opcode: return tr("Opcode");
    case Mask: return tr("MASK");
    case Key: return tr("Masking key");
    case Length: return tr("Length");
    case Payload: return tr("Payload");
    }
    return {};
}

QString FramesModel::payloadPreview(const Protocol::FrameRecord &f, const Protocol::FrameHeader &h)
{
    if (f.payload.isEmpty())
        return f.payloadLength > 0 ? tr("(not shown)") : QString();
    // A compressed message shows what it says, not the deflate stream.
    const bool inflated = f.inflatedLength >= 0;
    QByteArray shown = inflated ? f.inflated : f.payload;
    quint64 whole = inflated ? quint64(f.inflatedLength) : f.payloadLength;
    QString prefix = inflated ? tr("inflated: ") : QString();
    if (h.opcode == 0x8 && shown.size() >= 2) {
        const int code = (static_cast<unsigned char>(shown.at(0)) << 8) | static_cast<unsigned char>(shown.at(1));
        prefix += QString::number(code) + QLatin1Char(' ');
        shown = shown.mid(2);
        whole -= 2;
    }
    const QByteArray head = shown.left(120);
    QString text = looksLikeText(head) || (h.opcode == 0x1 && !head.isEmpty())
            ? QString::fromUtf8(head).replace(QLatin1Char('\n'), QStringLiteral("⏎"))
            : QString::fromLatin1(head.left(40).toHex(' '));
    if (quint64(head.size()) < whole)
        text += QStringLiteral("…");
    return prefix + text;
}

QVariant FramesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_entries.size()))
        return {};
    const Entry &e = m_entries[size_t(index.row())];
    const Protocol::FrameRecord &f = e.record;
    const Protocol::FrameHeader &h = e.header;
    const bool in = f.direction == Protocol::Direction::ClientToHost;
    if (role == Qt::ForegroundRole) {
        if (index.column() == Direction)
            return QBrush(in ? QColor(0x1d, 0x5f, 0xa6) : QColor(0x1b, 0x7f, 0x3b));
        if (index.column() == Opcode && h.opcode >= 0x8)
            return QBrush(QColor(0x8a, 0x4b, 0x08));   // control frames stand out
        if ((index.column() == Rsv && h.rsv && !Protocol::isCompressedMessage(f, h)) || (index.column() == Opcode && h.opcode > 0x2 && h.opcode < 0x8)
            || (index.column() == Length && Protocol::isNonMinimalLength(h)))
            return QBrush(QColor(0xb0, 0x2a, 0x2a));   // what a compliant peer refuses
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        const int c = index.column();
        if (c == Session || c == Length)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (c == Fin || c == Rsv || c == Mask || c == Direction)
            return int(Qt::AlignCenter);
        return {};
    }
    if (role == Qt::FontRole && (index.column() == Key || index.column() == Rsv)) {
        QFont mono(QStringLiteral("monospace"));
        mono.setStyleHint(QFont::Monospace);
        return mono;
    }
    if (role == Qt::ToolTipRole && index.column() == Direction)
        return in ? tr("client → host") : tr("host → client");
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Time:
        return QDateTime::fromMSecsSinceEpoch(f.timeUs / 1000).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case Session: return QString::number(f.session);
    case Direction: return in ? QStringLiteral("→") : QStringLiteral("←");
    case Fin: return h.fin ? QStringLiteral("1") : QStringLiteral("0");
    case Rsv: return QStringLiteral("%1%2%3").arg((h.rsv >> 2) & 1).arg((h.rsv >> 1) & 1).arg(h.rsv & 1);
    case Opcode: {
        QString name = QStringLiteral("%1 %2").arg(h.opcode, 1, 16).arg(Protocol::opcodeName(h.opcode));
        if (f.fragment > 0 || (f.fragment == 0 && !h.fin))
            name += tr(" (part %1)").arg(f.fragment + 1);
        return name;
    }
    case Mask: return h.masked ? QStringLiteral("1") : QStringLiteral("0");
    case Key: return h.masked ? QString::fromLatin1(h.maskingKey.toHex(' ')) : QString();
    case Length:
        return QStringLiteral("%1 (%2-bit)").arg(QLocale().toString(qulonglong(f.payloadLength))).arg(h.lengthBits);
    case Payload: return payloadPreview(f, h);
    }
    return {};
}

void FramesModel::add(const Protocol::FramesReport &report)
{
    for (const Protocol::FrameOmission &o : report.omitted)
        m_omitted += o.frames;
    if (report.frames.isEmpty())
        return;
    // Over the limit: drop the oldest first, then append.
    const int incoming = int(std::min<qsizetype>(report.frames.size(), MaxRecords));
    const int excess = int(m_entries.size()) + incoming - MaxRecords;
    if (excess > 0) {
        beginRemoveRows({}, 0, excess - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + excess);
        m_dropped += quint64(excess);
        endRemoveRows();
    }
    m_dropped += quint64(report.frames.size() - incoming);
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + incoming - 1);
    for (qsizetype i = report.frames.size() - incoming; i < report.frames.size(); ++i) {
        Entry e{report.frames.at(i), {}};
        Protocol::parseFrameHeader(e.record.header, &e.header);
        m_entries.push_back(std::move(e));
    }
    endInsertRows();
}

void FramesModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_dropped = 0;
    m_omitted = 0;
    endResetModel();
}

QByteArray FramesModel::joinedMessage(int row, bool *complete) const
{
    *complete = false;
    if (row < 0 || row >= int(m_entries.size()))
        return {};
    const Protocol::FrameRecord &f = m_entries[size_t(row)].record;
    if (f.fragment < 0)
        return {};
    QByteArray joined;
    int expected = 0;
    bool whole = true;
    bool ended = false;
    for (const Entry &e : m_entries) {
        const Protocol::FrameRecord &r = e.record;
        if (r.session != f.session || r.direction != f.direction || r.message != f.message)
            continue;
        whole = whole && r.fragment == expected && quint64(r.payload.size()) == r.payloadLength;
        expected = r.fragment + 1;
        joined += r.payload;
        ended = ended || e.header.fin;
    }
    *complete = whole && ended;
    return joined;
}

} // namespace WsPlug
