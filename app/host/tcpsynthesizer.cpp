// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tcpsynthesizer_p.h"

#include <QtEndian>

#include <cstring>

namespace WsPlug::Internal {

namespace {

constexpr quint8 ClientMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr quint8 ServerMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr quint8 TcpProtocol = 6;
// MSS 65495 (what Linux offers on loopback), NOP, window scale 7.
constexpr quint8 SynOptions[8] = {2, 4, 0xff, 0xd7, 1, 3, 3, 7};
// 65535 << 7: 8 MiB, far more than AckEvery leaves in flight.
constexpr quint16 Window = 0xffff;

void put16(char *at, quint16 v) { qToBigEndian(v, at); }
void put32(char *at, quint32 v) { qToBigEndian(v, at); }

} // namespace

/*!
    A connection from \a client port \a clientPort to \a server port \a serverPort
    whose first sequence numbers are \a clientIsn and \a serverIsn.
*/
TcpSynthesizer::TcpSynthesizer(const QHostAddress &client, quint16 clientPort, const QHostAddress &server,
                               quint16 serverPort, quint32 clientIsn, quint32 serverIsn)
    : m_clientPort(clientPort), m_serverPort(serverPort)
{
    bool clientV4 = false;
    bool serverV4 = false;
    const quint32 c4 = client.toIPv4Address(&clientV4);
    const quint32 s4 = server.toIPv4Address(&serverV4);
    m_ipv6 = !clientV4 || !serverV4;
    if (m_ipv6) {
        // A side that is IPv4 becomes ::ffff:a.b.c.d (QHostAddress maps it).
        const Q_IPV6ADDR c6 = client.toIPv6Address();
        const Q_IPV6ADDR s6 = server.toIPv6Address();
        std::memcpy(m_clientAddress, c6.c, 16);
        std::memcpy(m_serverAddress, s6.c, 16);
    } else {
        qToBigEndian(c4, m_clientAddress);
        qToBigEndian(s4, m_serverAddress);
    }
    m_client.next = clientIsn;
    m_server.next = serverIsn;
}

QList<QByteArray> TcpSynthesizer::open()
{
    QList<QByteArray> frames;
    frames << segment(Side::Client, Syn, nullptr, 0);
    frames << segment(Side::Server, Syn | Ack, nullptr, 0);
    frames << segment(Side::Client, Ack, nullptr, 0);
    return frames;
}

QList<QByteArray> TcpSynthesizer::data(Side from, const char *data, qsizetype size)
{
    QList<QByteArray> frames;
    while (size > 0) {
        const qsizetype n = qMin(size, MaxSegmentPayload);
        // PSH on the last segment of a write, as a sender's stack sets it.
        frames << segment(from, n == size ? Ack | Psh : Ack, data, n);
        data += n;
        size -= n;
        if (dir(from).unacked >= AckEvery)
            frames << segment(from == Side::Client ? Side::Server : Side::Client, Ack, nullptr, 0);
    }
    return frames;
}

QList<QByteArray> TcpSynthesizer::close(Side first)
{
    const Side other = first == Side::Client ? Side::Server : Side::Client;
    QList<QByteArray> frames;
    frames << segment(first, Fin | Ack, nullptr, 0);
    frames << segment(other, Fin | Ack, nullptr, 0);
    frames << segment(first, Ack, nullptr, 0);
    return frames;
}

QByteArray TcpSynthesizer::segment(Side from, quint8 flags, const char *payload, qsizetype size)
{
    const bool fromClient = from == Side::Client;
    Direction &out = dir(from);
    Direction &in = dir(fromClient ? Side::Server : Side::Client);
    const qsizetype optionsLength = (flags & Syn) ? qsizetype(sizeof SynOptions) : 0;
    const qsizetype tcpLength = 20 + optionsLength + size;
    const qsizetype ipLength = m_ipv6 ? 40 : 20;
    const int addressLength = m_ipv6 ? 16 : 4;
    const quint8 *src = fromClient ? m_clientAddress : m_serverAddress;
    const quint8 *dst = fromClient ? m_serverAddress : m_clientAddress;

    QByteArray frame(14 + ipLength + tcpLength, Qt::Uninitialized);
    char *p = frame.data();
    std::memcpy(p, fromClient ? ServerMac : ClientMac, 6);
    std::memcpy(p + 6, fromClient ? ClientMac : ServerMac, 6);
    put16(p + 12, m_ipv6 ? 0x86dd : 0x0800);

    char *ip = p + 14;
    if (m_ipv6) {
        put32(ip, 0x60000000);                  // version 6, no traffic class, no flow label
        put16(ip + 4, quint16(tcpLength));      // payload length
        ip[6] = char(TcpProtocol);              // next header
        ip[7] = char(64);                       // hop limit
        std::memcpy(ip + 8, src, 16);
        std::memcpy(ip + 24, dst, 16);
    } else {
        ip[0] = char(0x45);                     // version 4, 5 words of header
        ip[1] = 0;
        put16(ip + 2, quint16(ipLength + tcpLength));
        put16(ip + 4, out.ipId++);
        put16(ip + 6, 0x4000);                  // don't fragment
        ip[8] = char(64);                       // TTL
        ip[9] = char(TcpProtocol);
        put16(ip + 10, 0);
        std::memcpy(ip + 12, src, 4);
        std::memcpy(ip + 16, dst, 4);
        put16(ip + 10, checksum(ip, 20));
    }

    char *tcp = ip + ipLength;
    put16(tcp, fromClient ? m_clientPort : m_serverPort);
    put16(tcp + 2, fromClient ? m_serverPort : m_clientPort);
    put32(tcp + 4, out.next);
    put32(tcp + 8, (flags & Ack) ? in.next : 0);
    tcp[12] = char(((20 + optionsLength) / 4) << 4);
    tcp[13] = char(flags);
    put16(tcp + 14, Window);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);                         // urgent pointer
    if (optionsLength)
        std::memcpy(tcp + 20, SynOptions, sizeof SynOptions);
    if (size)
        std::memcpy(tcp + 20 + optionsLength, payload, size_t(size));

    // The pseudo-header: addresses, protocol and TCP length (RFC 793 3.1, RFC 8200 8.1).
    quint32 sum = 0;
    for (int i = 0; i < addressLength; i += 2) {
        sum += quint32(src[i] << 8 | src[i + 1]);
        sum += quint32(dst[i] << 8 | dst[i + 1]);
    }
    sum += TcpProtocol;
    sum += quint32(tcpLength >> 16) + quint32(tcpLength & 0xffff);
    put16(tcp + 16, checksum(tcp, tcpLength, sum));

    out.next += quint32(size) + ((flags & (Syn | Fin)) ? 1 : 0);
    out.unacked += quint32(size);
    if (flags & Ack)
        in.unacked = 0;
    return frame;
}

qsizetype TcpSynthesizer::headerLength(const QByteArray &frame)
{
    if (frame.size() < 14 + 40)
        return frame.size();
    const auto *p = reinterpret_cast<const quint8 *>(frame.constData());
    const qsizetype ip = (p[12] == 0x86 && p[13] == 0xdd) ? 40 : (p[14] & 0x0f) * 4;
    const qsizetype at = 14 + ip + 12;
    return at < frame.size() ? qMin(frame.size(), 14 + ip + (p[at] >> 4) * 4) : frame.size();
}

quint16 TcpSynthesizer::checksum(const char *data, qsizetype size, quint32 sum)
{
    const auto *p = reinterpret_cast<const quint8 *>(data);
    // 64 KiB of 16-bit words cannot overflow 32 bits on top of a small start value;
    // fold anyway at the end, twice for the carry of the first fold.
    qsizetype i = 0;
    for (; i + 1 < size; i += 2)
        sum += quint32(p[i] << 8 | p[i + 1]);
    if (i < size)
        sum += quint32(p[i] << 8);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return quint16(~sum);
}

} // namespace WsPlug::Internal
