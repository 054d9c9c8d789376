// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "frameunmasker_p.h"

#include <QtEndian>

#include <cstring>

namespace WsPlug::Internal {

namespace {

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

bool FrameUnmasker::feed(const char *data, qsizetype size, QByteArray *out)
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
            if (keyAt == 2)
                m_payloadLeft = m_header[1] & 0x7F;
            else if (keyAt == 4)
                m_payloadLeft = qFromBigEndian<quint16>(m_header + 2);
            else
                m_payloadLeft = qFromBigEndian<quint64>(m_header + 2);
            std::memcpy(m_key, m_header + keyAt, 4);
            m_keyPhase = 0;
            if ((m_header[0] & 0x0F) == 0x8 && m_peerCloseCode == NoClose) {
                m_readingCloseCode = m_payloadLeft > 0;
                m_closeCodeHave = 0;
                if (m_payloadLeft == 0)
                    m_peerCloseCode = 1005;
                else if (m_payloadLeft == 1)
                    m_peerCloseCode = 0;
            }
            m_header[1] &= 0x7F;
            out->append(reinterpret_cast<const char *>(m_header), keyAt);
            m_headerHave = 0;
            if (m_payloadLeft > 0)
                m_state = State::Payload;
            break;
        }
        case State::Payload: {
            const qsizetype n = qsizetype(qMin<quint64>(m_payloadLeft, quint64(size)));
            const qsizetype at = out->size();
            unmaskPayload(data, n, out);
            if (m_readingCloseCode)
                noteCloseCode(out->constData() + at, n);
            data += n;
            size -= n;
            m_payloadLeft -= quint64(n);
            if (m_payloadLeft == 0)
                m_state = State::Header;
            break;
        }
        }
    }
    return m_state != State::Failed;
}

void FrameUnmasker::noteCloseCode(const char *payload, qsizetype size)
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

void FrameUnmasker::unmaskPayload(const char *data, qsizetype size, QByteArray *out)
{
    // Eight key bytes starting where the payload is, so that byte i of this piece is
    // XORed with key[i % 8]: whole words at a time, then the tail.
    unsigned char key[8];
    for (unsigned i = 0; i < 8; ++i)
        key[i] = m_key[(m_keyPhase + i) & 3];
    quint64 keyWord;
    std::memcpy(&keyWord, key, 8);

    const qsizetype at = out->size();
    out->resize(at + size);
    char *dst = out->data() + at;
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
