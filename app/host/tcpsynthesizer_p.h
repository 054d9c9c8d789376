// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QHostAddress>
#include <QList>

namespace WsPlug::Internal {

/*
 * The TCP connection under a byte stream the host saw above TCP, drawn again as
 * Ethernet frames for a capture file (see CaptureRecorder): a three-way handshake,
 * data segments whose sequence and acknowledgement numbers advance with the bytes,
 * and a FIN exchange at the end. Correct IPv4 and TCP checksums, so that Wireshark
 * finds nothing to flag even with checksum validation on. No I/O.
 *
 * What is synthesized, and what is real:
 * - addresses and ports are the real connection's. Both IPv4 (also an IPv4-mapped
 *   IPv6 address): IPv4 headers; otherwise IPv6 headers (an IPv4 side mapped).
 * - MAC addresses are made up: the client is 02:00:00:00:00:01, the server
 *   02:00:00:00:00:02 (locally administered).
 * - the initial sequence numbers are the caller's (the recorder picks random ones).
 * - SYN and SYN-ACK offer an MSS of 65495 and a window scale of 7 (a window of
 *   8 MiB); a segment carries at most MaxSegmentPayload bytes, so a larger write is
 *   split. Every segment acknowledges all the other side sent; a pure ACK from the
 *   receiver follows once 1 MiB is unacknowledged, so Wireshark never sees a full
 *   window however one-sided the traffic.
 * - the end is always drawn as FIN, FIN, ACK (an abort too): the bytes are what
 *   matters, and a reset would hide nothing the capture shows.
 */
class WSPLUG_EXPORT TcpSynthesizer
{
public:
    enum class Side { Client, Server };

    //! The most payload one segment carries: what fits a 16-bit IPv4 total length.
    static constexpr qsizetype MaxSegmentPayload = 65535 - 20 - 20;
    //! The longest header run of a frame: Ethernet, IPv6, TCP with the SYN options.
    static constexpr qsizetype MaxHeaderLength = 14 + 40 + 28;
    //! The receiver acknowledges with a pure ACK once this much is unacknowledged.
    static constexpr quint32 AckEvery = 1024 * 1024;

    TcpSynthesizer(const QHostAddress &client, quint16 clientPort, const QHostAddress &server,
                   quint16 serverPort, quint32 clientIsn, quint32 serverIsn);

    bool isIPv6() const { return m_ipv6; }

    //! SYN, SYN-ACK, ACK.
    QList<QByteArray> open();
    //! \a size bytes sent by \a from, as one or more segments (and an ACK, see above).
    QList<QByteArray> data(Side from, const char *data, qsizetype size);
    //! FIN from \a first, FIN from the other side, the last ACK.
    QList<QByteArray> close(Side first);

    //! Ethernet, IP and TCP header bytes at the start of \a frame (one of ours).
    static qsizetype headerLength(const QByteArray &frame);
    //! The Internet checksum (RFC 1071) of \a size bytes, starting from \a sum.
    static quint16 checksum(const char *data, qsizetype size, quint32 sum = 0);

private:
    struct Direction
    {
        quint32 next = 0;         // sequence number of the next byte
        quint32 unacked = 0;      // bytes sent since the other side last acknowledged
        quint16 ipId = 0;
    };
    enum Flag : quint8 { Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10 };

    QByteArray segment(Side from, quint8 flags, const char *payload, qsizetype size);
    Direction &dir(Side side) { return side == Side::Client ? m_client : m_server; }

    bool m_ipv6 = false;
    quint8 m_clientAddress[16] = {};
    quint8 m_serverAddress[16] = {};
    quint16 m_clientPort;
    quint16 m_serverPort;
    Direction m_client;
    Direction m_server;
};

} // namespace WsPlug::Internal
