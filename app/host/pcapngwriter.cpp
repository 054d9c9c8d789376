// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pcapngwriter_p.h"

#include <QIODevice>
#include <QtEndian>

#include <chrono>

namespace WsPlug::Internal {

namespace {

constexpr quint32 SectionHeaderBlock = 0x0A0D0D0A;
constexpr quint32 InterfaceDescriptionBlock = 0x00000001;
constexpr quint32 EnhancedPacketBlock = 0x00000006;
constexpr quint32 ByteOrderMagic = 0x1A2B3C4D;

constexpr quint16 OptEndOfOpt = 0;
constexpr quint16 OptComment = 1;
constexpr quint16 ShbUserAppl = 4;
constexpr quint16 IfName = 2;
constexpr quint16 IfTsResol = 9;

// Past this much collected, writePacket() hands it to the device.
constexpr qsizetype FlushAt = 64 * 1024;

constexpr qsizetype padded(qsizetype n) { return (n + 3) & ~qsizetype(3); }

void put16(QByteArray &out, quint16 v)
{
    const quint16 le = qToLittleEndian(v);
    out.append(reinterpret_cast<const char *>(&le), 2);
}

void put32(QByteArray &out, quint32 v)
{
    const quint32 le = qToLittleEndian(v);
    out.append(reinterpret_cast<const char *>(&le), 4);
}

void pad(QByteArray &out)
{
    out.append(padded(out.size()) - out.size(), '\0');
}

void putOption(QByteArray &out, quint16 code, QByteArrayView value)
{
    // Option values are at most 65535 bytes long; a longer comment is cut.
    const qsizetype length = qMin<qsizetype>(value.size(), 0xfff8);
    put16(out, code);
    put16(out, quint16(length));
    out.append(value.data(), length);
    pad(out);
}

void endOptions(QByteArray &out)
{
    put16(out, OptEndOfOpt);
    put16(out, 0);
}

} // namespace

PcapngWriter::PcapngWriter(QIODevice *device)
    : m_device(device)
{
}

void PcapngWriter::begin(const QByteArray &application, const QByteArray &interfaceName)
{
    QByteArray shb;
    put32(shb, ByteOrderMagic);
    put16(shb, 1);                    // major version
    put16(shb, 0);                    // minor version
    put32(shb, 0xffffffff);           // section length: not given (-1)
    put32(shb, 0xffffffff);
    putOption(shb, ShbUserAppl, application);
    endOptions(shb);
    appendBlock(SectionHeaderBlock, shb);

    QByteArray idb;
    put16(idb, LinkTypeEthernet);
    put16(idb, 0);                    // reserved
    put32(idb, SnapLength);
    putOption(idb, IfName, interfaceName);
    putOption(idb, IfTsResol, QByteArrayView("\x06", 1));   // 10^-6 s: the default, said anyway
    endOptions(idb);
    appendBlock(InterfaceDescriptionBlock, idb);
}

void PcapngWriter::writePacket(qint64 timestampUs, QByteArrayView frame, quint32 originalLength,
                               QByteArrayView comment)
{
    QByteArray epb;
    epb.reserve(20 + padded(frame.size()) + (comment.isEmpty() ? 0 : 8 + padded(comment.size())));
    put32(epb, 0);                    // interface 0, the only one
    const auto ts = quint64(timestampUs);
    put32(epb, quint32(ts >> 32));
    put32(epb, quint32(ts));
    put32(epb, quint32(frame.size()));
    put32(epb, originalLength ? originalLength : quint32(frame.size()));
    epb.append(frame.data(), frame.size());
    pad(epb);
    if (!comment.isEmpty()) {
        putOption(epb, OptComment, comment);
        endOptions(epb);
    }
    appendBlock(EnhancedPacketBlock, epb);
    if (m_pending.size() >= FlushAt)
        flush();
}

qint64 PcapngWriter::packetBlockSize(qsizetype frameLength, qsizetype commentLength)
{
    return 12 + 20 + padded(frameLength) + (commentLength ? 4 + padded(commentLength) + 4 : 0);
}

void PcapngWriter::appendBlock(quint32 type, QByteArrayView body)
{
    // Type, total length, the body (padded to 32 bits by the caller), total length again.
    const auto total = quint32(12 + body.size());
    m_size += total;
    if (m_failed)
        return;
    put32(m_pending, type);
    put32(m_pending, total);
    m_pending.append(body.data(), body.size());
    put32(m_pending, total);
}

bool PcapngWriter::flush()
{
    if (m_failed)
        return false;
    if (m_pending.isEmpty())
        return true;
    const qint64 written = m_device->write(m_pending);
    if (written != m_pending.size()) {
        m_failed = true;
        m_pending = QByteArray();
        return false;
    }
    // Keep a buffer the size of a usual batch; give a big one back.
    if (m_pending.capacity() > 4 * FlushAt)
        m_pending = QByteArray();
    else
        m_pending.resize(0);
    return true;
}

QString PcapngWriter::errorString() const
{
    return m_device->errorString();
}

qint64 PcapngWriter::nextTimestampUs(qint64 *last)
{
    using namespace std::chrono;
    const qint64 now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    *last = qMax(now, *last);
    return *last;
}

} // namespace WsPlug::Internal
