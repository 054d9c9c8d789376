// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/adminprotocol.h>

#include <QAbstractTableModel>

#include <deque>

namespace WsPlug {

/*
 * The frame inspector's list: every frame of the watched sessions, both ways, oldest
 * first, as the host reported it. At most MaxRecords; the oldest go first and are
 * counted, as are the frames the host sampled out of a flood.
 */
class FramesModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Session, Direction, Fin, Rsv, Opcode, Mask, Key, Length, Payload, ColumnCount };
    static constexpr int MaxRecords = 5000;

    explicit FramesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void add(const Protocol::FramesReport &report);
    void clear();
    const Protocol::FrameRecord &frame(int row) const { return m_entries[size_t(row)].record; }
    const Protocol::FrameHeader &header(int row) const { return m_entries[size_t(row)].header; }
    /*! The message the frame in \a row belongs to, joined from its fragments as far as
        they are listed, and whether every fragment and byte of it is (none sampled
        out or cut off). Empty for a control frame. */
    QByteArray joinedMessage(int row, bool *complete) const;
    //! Frames no longer listed (over MaxRecords) and frames the host left out.
    quint64 dropped() const { return m_dropped; }
    quint64 omittedByHost() const { return m_omitted; }

    //! "c→h" / "h→c" arrows, with the payload as one line of text or hex.
    static QString payloadPreview(const Protocol::FrameRecord &frame, const Protocol::FrameHeader &header);

private:
    struct Entry
    {
        Protocol::FrameRecord record;
        Protocol::FrameHeader header;
    };
    std::deque<Entry> m_entries;
    quint64 m_dropped = 0;
    quint64 m_omitted = 0;
};

} // namespace WsPlug
