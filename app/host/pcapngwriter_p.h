// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QByteArrayView>

class QIODevice;

namespace WsPlug::Internal {

/*
 * Writes a pcapng file (draft-ietf-opsawg-pcapng): one Section Header Block, one
 * Interface Description Block (LINKTYPE_ETHERNET, microsecond timestamps), then an
 * Enhanced Packet Block per frame. Little-endian, as the byte-order magic says.
 *
 * Its only I/O is appending to the device it is given, and only whole blocks: blocks
 * collect in memory and go to the device once 64 KiB have collected, or at flush().
 * A reader of the file therefore never meets half a block, whenever it looks (the
 * device should be unbuffered, or its buffer would cut blocks again).
 */
class WSPLUG_EXPORT PcapngWriter
{
public:
    //! LINKTYPE_ETHERNET (tcpdump.org/linktypes.html).
    static constexpr quint16 LinkTypeEthernet = 1;
    //! The capture length the interface announces: Wireshark's own maximum.
    static constexpr quint32 SnapLength = 262144;

    explicit PcapngWriter(QIODevice *device);

    //! The Section Header Block (naming \a application) and the Interface Description
    //! Block (named \a interfaceName). Call once, first.
    void begin(const QByteArray &application, const QByteArray &interfaceName);

    //! An Enhanced Packet Block: \a frame captured at \a timestampUs (microseconds
    //! since the epoch). \a originalLength is the frame's length on the wire, when
    //! \a frame is only its start (0: frame.size()). \a comment, if any, is its opt_comment.
    void writePacket(qint64 timestampUs, QByteArrayView frame, quint32 originalLength = 0,
                     QByteArrayView comment = {});

    //! Now in microseconds since the epoch, but never before \a *last, which it
    //! updates: a file's frames stay in time order even if the clock is set back.
    static qint64 nextTimestampUs(qint64 *last);
    //! The bytes writePacket() adds for a frame of \a frameLength with a comment of \a commentLength.
    static qint64 packetBlockSize(qsizetype frameLength, qsizetype commentLength = 0);

    //! Everything written so far, on the device or still collected.
    qint64 size() const { return m_size; }
    //! Collected bytes not yet on the device.
    qint64 pendingSize() const { return m_pending.size(); }

    //! Appends what has collected to the device. False (and errorString()) if the
    //! device did not take it all; the writer then drops everything from there on.
    bool flush();
    bool failed() const { return m_failed; }
    QString errorString() const;

private:
    void appendBlock(quint32 type, QByteArrayView body);

    QIODevice *const m_device;
    QByteArray m_pending;
    qint64 m_size = 0;
    bool m_failed = false;
};

} // namespace WsPlug::Internal
