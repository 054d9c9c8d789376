// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientframefilter_p.h"

#include "permessagedeflate_p.h"

#include <QtEndian>

#include <algorithm>
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

// What a message reserves ahead of its payload: enough for most messages in one
// allocation, not so much that a client announcing a big frame and sending nothing
// makes the host hold it.
constexpr quint64 ReserveAhead = 64 * 1024;

} // namespace

bool ClientFrameFilter::feed(const char *data, qsizetype size, QByteArray *control, QList<DataMessage> *messages)
{
    while (size > 0) {
        switch (m_state) {
        case State::Failed:
            return false;
        case State::Header: {
            if (m_headerHave == 0 && size >= 2 && (data[1] & 0x80)
                && size >= lengthFieldEnd(static_cast<unsigned char>(data[1])) + 4) {
                // The whole header is here (nearly always): take it at once.
                const int keyAt = lengthFieldEnd(static_cast<unsigned char>(data[1]));
                std::memcpy(m_header, data, size_t(keyAt + 4));
                data += keyAt + 4;
                size -= keyAt + 4;
                if (!startFrame(keyAt, control, messages))
                    return false;
                break;
            }
            m_header[m_headerHave++] = static_cast<unsigned char>(*data++);
            --size;
            if (m_headerHave < 2)
                break;
            if (m_headerHave == 2 && !(m_header[1] & 0x80)) {
                fail(1002, QStringLiteral("client frames must be masked (RFC 6455 5.1)"));
                return false;
            }
            const int keyAt = lengthFieldEnd(m_header[1]);
            if (m_headerHave < keyAt + 4)
                break;
            if (!startFrame(keyAt, control, messages))
                return false;
            break;
        }
        case State::Payload: {
            const qsizetype n = qsizetype(qMin<quint64>(m_payloadLeft, quint64(size)));
            if (m_discarding) {
                data += n;
                size -= n;
                m_payloadLeft -= quint64(n);
                if (m_payloadLeft == 0) {
                    m_discarding = false;
                    m_state = State::Header;
                }
                break;
            }
            QByteArray *to = m_dataFrame ? &m_message : control;
            const qsizetype at = to->size();
            unmaskPayload(data, n, to);
            if (m_dataFrame) {
                m_dataReceived.bytes += quint64(n);   // as they came, even the bad ones
                if (m_textMessage && !m_compressed && !m_utf8.feed(to->constData() + at, n)) {
                    fail(1007, QStringLiteral("invalid UTF-8 in a text message (RFC 6455 8.1)"));
                    return false;
                }
            } else if (m_readingCloseCode) {
                noteCloseCode(to->constData() + at, n);
            }
            data += n;
            size -= n;
            m_payloadLeft -= quint64(n);
            if (m_payloadLeft == 0 && !endFrame(control, messages))
                return false;
            break;
        }
        }
    }
    return m_state != State::Failed;
}

bool ClientFrameFilter::startFrame(int keyAt, QByteArray *control, QList<DataMessage> *messages)
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
    const bool rsv1 = m_header[0] & 0x40;
    m_dataFrame = opcode == Text || opcode == Binary || opcode == Continuation;
    m_readingCloseCode = false;
    if (m_dataFrame)
        ++m_dataReceived.frames;
    if ((opcode == 0x9 && m_dropPings) || (opcode == 0xA && m_dropPongs)) {
        // Dropped whole: neither Qt nor the message under way sees it.
        m_dataFrame = false;
        m_discarding = m_payloadLeft > 0;
        m_state = m_discarding ? State::Payload : State::Header;
        return true;
    }
    if (opcode & 0x8) {
        // A control frame (RFC 6455 5.5): final, at most 125 bytes, no RSV bit, a known opcode.
        if (opcode > 0xA) {
            fail(1002, QStringLiteral("reserved opcode %1 (RFC 6455 5.2)").arg(opcode));
            return false;
        }
        if (!fin || rsv || m_payloadLeft > 125) {
            fail(1002, !fin ? QStringLiteral("a fragmented control frame (RFC 6455 5.5)")
                     : rsv  ? QStringLiteral("RSV bits set on a control frame (RFC 6455 5.2)")
                            : QStringLiteral("a control frame over 125 bytes (RFC 6455 5.5)"));
            return false;
        }
        if (opcode == Close && m_peerCloseCode == NoClose) {
            m_readingCloseCode = m_payloadLeft > 0;
            m_closeCodeHave = 0;
            if (m_payloadLeft == 0)
                m_peerCloseCode = 1005;
            else if (m_payloadLeft == 1)
                m_peerCloseCode = 0;
        }
        m_header[1] &= 0x7F;
        control->append(reinterpret_cast<const char *>(m_header), keyAt);
        m_state = m_payloadLeft > 0 ? State::Payload : State::Header;
        return true;
    }

    if (!m_dataFrame) {
        fail(1002, QStringLiteral("reserved opcode %1 (RFC 6455 5.2)").arg(opcode));
        return false;
    }
    if (rsv && !(rsv1 && m_inflate)) {
        fail(1002, QStringLiteral("RSV bits set without an extension that defines them (RFC 6455 5.2)"));
        return false;
    }
    if (rsv1 && opcode == Continuation) {
        fail(1002, QStringLiteral("RSV1 on a continuation frame (RFC 7692 6.1)"));
        return false;
    }
    const bool minimalLength = keyAt == 2 || (keyAt == 4 ? m_payloadLeft >= 126 : m_payloadLeft > 0xFFFF);
    if (!minimalLength || (m_payloadLeft >> 63)) {
        fail(1002, QStringLiteral("a payload length not in its shortest form (RFC 6455 5.2)"));
        return false;
    }
    if (opcode == Continuation && !m_messageOpen) {
        fail(1002, QStringLiteral("a continuation frame without a message to continue (RFC 6455 5.4)"));
        return false;
    }
    if (opcode != Continuation && m_messageOpen) {
        fail(1002, QStringLiteral("a new message inside a fragmented one (RFC 6455 5.4)"));
        return false;
    }
    if (m_payloadLeft > quint64(m_maxFrame)) {
        fail(1009, QStringLiteral("frame of %1 bytes over the limit of %2").arg(m_payloadLeft).arg(m_maxFrame));
        return false;
    }
    if (m_payloadLeft + quint64(m_message.size()) > quint64(m_maxMessage)) {
        fail(1009, QStringLiteral("message over the limit of %1 bytes").arg(m_maxMessage));
        return false;
    }
    if (opcode != Continuation) {
        m_textMessage = opcode == Text;
        m_compressed = rsv1;
        m_utf8.reset();
    }
    m_messageOpen = !fin;
    m_message.reserve(m_message.size() + qsizetype(std::min(m_payloadLeft, ReserveAhead)));
    if (m_payloadLeft > 0) {
        m_state = State::Payload;
        return true;
    }
    return endFrame(control, messages);   // empty: nothing to unmask
}

ClientFrameFilter::Position ClientFrameFilter::position() const
{
    switch (m_state) {
    case State::Header:
        return {QByteArray(reinterpret_cast<const char *>(m_header), m_headerHave), 0};
    case State::Payload:
        return {{}, m_payloadLeft};
    case State::Failed:
        break;
    }
    return {};   // nothing goes through a failed filter: start at the next byte
}

void ClientFrameFilter::fail(int code, const QString &why)
{
    m_state = State::Failed;
    m_errorCode = code;
    m_error = why;
    m_message = QByteArray();
}

bool ClientFrameFilter::endFrame(QByteArray *control, QList<DataMessage> *messages)
{
    m_state = State::Header;
    if (!m_dataFrame || !(m_header[0] & 0x80))
        return true;
    // The last frame of a message: a text message must not end inside a character.
    if (m_compressed && !inflateMessage())
        return false;
    if (m_textMessage && !m_utf8.isComplete()) {
        fail(1007, QStringLiteral("a text message ends inside a UTF-8 character (RFC 6455 8.1)"));
        return false;
    }
    messages->append({m_textMessage, std::exchange(m_message, QByteArray()), control->size()});
    return true;
}

bool ClientFrameFilter::inflateMessage()
{
    // Inflated whole once its last frame is in (the compressed bytes met the limits as
    // they came); the output never grows past the message limit, whatever the ratio.
    QByteArray inflated;
    switch (PerMessageDeflate::inflate(m_message, m_maxMessage, &inflated)) {
    case PerMessageDeflate::InflateResult::TooBig:
        fail(1009, QStringLiteral("compressed message inflates past the limit of %1 bytes").arg(m_maxMessage));
        return false;
    case PerMessageDeflate::InflateResult::Corrupt:
        fail(1007, QStringLiteral("a compressed message that does not inflate (RFC 7692 7.2.2)"));
        return false;
    case PerMessageDeflate::InflateResult::Ok:
        break;
    }
    m_message = std::move(inflated);
    m_compressed = false;
    if (m_textMessage && !m_utf8.feed(m_message.constData(), m_message.size())) {
        fail(1007, QStringLiteral("invalid UTF-8 in a text message (RFC 6455 8.1)"));
        return false;
    }
    return true;
}

void ClientFrameFilter::noteCloseCode(const char *payload, qsizetype size)
{
    qsizetype i = 0;
    for (; i < size && m_closeCodeHave < 2; ++i)
        m_closeCode[m_closeCodeHave++] = static_cast<unsigned char>(payload[i]);
    if (m_closeCodeHave == 2) {
        m_peerCloseCode = qFromBigEndian<quint16>(m_closeCode);
        // The reason follows, up to the end of the frame (at most 123 bytes: the frame
        // has at most 125).
        m_peerCloseReason.append(payload + i, std::min<qsizetype>(size - i, 123 - m_peerCloseReason.size()));
    }
    if (m_payloadLeft == quint64(size))
        m_readingCloseCode = false;   // the frame ends here (a one-byte body: noted as 0)
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
