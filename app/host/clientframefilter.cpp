// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientframefilter_p.h"

#include "frameencoder_p.h"

#include <QtEndian>

#include <cstring>

namespace WsPlug::Internal {

namespace {

enum Opcode : int { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8 };

//! Header bytes before the masking key, known once the first two are in.
int lengthFieldEnd(unsigned char secondByte)
{
    switch (secondByte & 0x7F) {
    case 126: return 4;
    case 127: return 10;
    default: return 2;
    }
}

} // namespace

bool ClientFrameFilter::feed(const char *data, qsizetype size, QByteArray *out)
{
    while (size > 0) {
        switch (m_state) {
        case State::Failed:
            return false;
        case State::Header: {
            m_header[m_headerHave++] = static_cast<unsigned char>(*data++);
            --size;
            if (m_headerHave < 2)
                break;
            if (m_headerHave == 2 && !(m_header[1] & 0x80)) {
                m_state = State::Failed;
                m_error = QStringLiteral("client frames must be masked (RFC 6455 5.1)");
                return false;
            }
            const int keyAt = lengthFieldEnd(m_header[1]);
            if (m_headerHave < keyAt + 4)
                break;
            startFrame(keyAt, out);
            break;
        }
        case State::Payload: {
            const qsizetype n = qsizetype(qMin<quint64>(m_payloadLeft, quint64(size)));
            QByteArray *to = m_payloadToJoined ? &m_joined : out;
            const qsizetype at = to->size();
            unmaskPayload(data, n, to);
            if (m_readingCloseCode)
                noteCloseCode(to->constData() + at, n);
            if (isDataFrame())
                m_dataReceived.bytes += quint64(n);
            data += n;
            size -= n;
            m_payloadLeft -= quint64(n);
            if (m_payloadLeft == 0)
                endFrame(out);
            break;
        }
        }
    }
    return m_state != State::Failed;
}

void ClientFrameFilter::startFrame(int keyAt, QByteArray *out)
{
    if (keyAt == 2)
        m_payloadLeft = m_header[1] & 0x7F;
    else if (keyAt == 4)
        m_payloadLeft = qFromBigEndian<quint16>(m_header + 2);
    else
        m_payloadLeft = qFromBigEndian<quint64>(m_header + 2);
    std::memcpy(m_key, m_header + keyAt, 4);
    m_keyPhase = 0;
    m_headerHave = 0;

    const int opcode = m_header[0] & 0x0F;
    const bool fin = m_header[0] & 0x80;
    const bool rsv = m_header[0] & 0x70;
    // Qt refuses a length not in its shortest form; a joined frame would not show it.
    const bool minimalLength = keyAt == 2 || (keyAt == 4 ? m_payloadLeft >= 126 : m_payloadLeft > 0xFFFF);
    if (isDataFrame())
        ++m_dataReceived.frames;
    // Only a close frame Qt takes (final, no RSV bit, at most 125 bytes) is the peer's.
    if (opcode == Close && m_peerCloseCode == NoClose && fin && !rsv && m_payloadLeft <= 125) {
        m_readingCloseCode = m_payloadLeft > 0;
        m_closeCodeHave = 0;
        if (m_payloadLeft == 0)
            m_peerCloseCode = 1005;
        else if (m_payloadLeft == 1)
            m_peerCloseCode = 0;
    }

    // Where the payload goes: joined to the text message under way, or out as it came.
    const bool joinable = !rsv && minimalLength
            && m_payloadLeft <= quint64(m_maxJoined) - quint64(m_joined.size());
    m_payloadToJoined = false;
    if (m_joining && !(opcode & 0x8)) {
        if (opcode == Continuation && joinable) {
            m_payloadToJoined = true;
        } else {
            // Too big to join, or out of order (Qt fails that as it would have): what
            // was joined goes out as the first fragment, the rest as it comes.
            flushJoined(false, out);
            m_fragmentedPassing = true;
        }
    } else if (!m_joining && !m_fragmentedPassing && opcode == Text && !fin && joinable) {
        m_joining = true;
        m_payloadToJoined = true;
    }
    // A fragmented message that goes through as it came (binary, or text not joined):
    // a text frame inside it is Qt's to fail, not the start of a join.
    if (!m_payloadToJoined && !(opcode & 0x8)) {
        const bool inMessage = opcode == Text || opcode == Binary || (opcode == Continuation && m_fragmentedPassing);
        m_fragmentedPassing = inMessage && !fin;
    }
    if (!m_payloadToJoined) {
        m_header[1] &= 0x7F;
        out->append(reinterpret_cast<const char *>(m_header), keyAt);
    }
    if (m_payloadLeft > 0)
        m_state = State::Payload;
    else
        endFrame(out);
}

bool ClientFrameFilter::isDataFrame() const
{
    const int opcode = m_header[0] & 0x0F;
    return opcode == Continuation || opcode == Text || opcode == Binary;
}

void ClientFrameFilter::endFrame(QByteArray *out)
{
    m_state = State::Header;
    if (m_payloadToJoined && (m_header[0] & 0x80))   // the last fragment
        flushJoined(true, out);
    m_payloadToJoined = false;
}

void ClientFrameFilter::flushJoined(bool final, QByteArray *out)
{
    appendFrameHeader(*out, Text, final, quint64(m_joined.size()));
    out->append(m_joined);
    m_joined = QByteArray();
    m_joining = false;
}

void ClientFrameFilter::noteCloseCode(const char *payload, qsizetype size)
{
    for (qsizetype i = 0; i < size && m_closeCodeHave < 2; ++i)
        m_closeCode[m_closeCodeHave++] = static_cast<unsigned char>(payload[i]);
    if (m_closeCodeHave == 2) {
        m_peerCloseCode = qFromBigEndian<quint16>(m_closeCode);
        m_readingCloseCode = false;
    } else if (m_payloadLeft == quint64(size)) {
        m_readingCloseCode = false;   // a one-byte body: already noted as 0
    }
}

void ClientFrameFilter::unmaskPayload(const char *data, qsizetype size, QByteArray *to)
{
    // Eight key bytes starting where the payload is, so that byte i of this piece is
    // XORed with key[i % 8]: whole words at a time, then the tail.
    unsigned char key[8];
    for (unsigned i = 0; i < 8; ++i)
        key[i] = m_key[(m_keyPhase + i) & 3];
    quint64 keyWord;
    std::memcpy(&keyWord, key, 8);

    const qsizetype at = to->size();
    to->resize(at + size);
    char *dst = to->data() + at;
    qsizetype i = 0;
    for (; i + 8 <= size; i += 8) {
        quint64 word;
        std::memcpy(&word, data + i, 8);
        word ^= keyWord;
        std::memcpy(dst + i, &word, 8);
    }
    for (; i < size; ++i)
        dst[i] = char(static_cast<unsigned char>(data[i]) ^ key[i & 7]);
    m_keyPhase = (m_keyPhase + unsigned(size & 3)) & 3;
}

} // namespace WsPlug::Internal
