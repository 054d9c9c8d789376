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

qsizetype ClientFrameFilter::next(const char *data, qsizetype size, Output *out)
{
    const char *const begin = data;
    out->kind = Output::Kind::Nothing;
    out->controlLength = 0;
    while (size > 0 && out->kind == Output::Kind::Nothing) {
        switch (m_state) {
        case State::Failed:
            return data - begin;
        case State::Header: {
            if (m_headerHave == 0 && size >= 2 && (data[1] & 0x80)
                && size >= lengthFieldEnd(static_cast<unsigned char>(data[1])) + 4) {
                // The whole header is here (nearly always): take it at once.
                const int keyAt = lengthFieldEnd(static_cast<unsigned char>(data[1]));
                std::memcpy(m_header, data, size_t(keyAt + 4));
                data += keyAt + 4;
                size -= keyAt + 4;
                if (!startFrame(keyAt, out))
                    return data - begin;
                break;
            }
            m_header[m_headerHave++] = static_cast<unsigned char>(*data++);
            --size;
            if (m_headerHave < 2)
                break;
            if (m_headerHave == 2 && !(m_header[1] & 0x80)) {
                fail(1002, QStringLiteral("client frames must be masked (RFC 6455 5.1)"));
                return data - begin;
            }
            const int keyAt = lengthFieldEnd(m_header[1]);
            if (m_headerHave < keyAt + 4)
                break;
            if (!startFrame(keyAt, out))
                return data - begin;
            break;
        }
        case State::Payload: {
            const qsizetype n = qsizetype(qMin<quint64>(m_payloadLeft, quint64(size)));
            if (m_discarding) {
                m_discarding = quint64(n) < m_payloadLeft;
                m_state = m_discarding ? State::Payload : State::Header;
            } else if (m_dataFrame) {
                const qsizetype at = m_message.size();
                if (at == 0 && quint64(n) == m_payloadLeft && !m_messageOpen) {
                    // A message whole in this piece (nearly always): allocated at its size.
                    m_message = QByteArray(n, Qt::Uninitialized);
                } else {
                    if (at == 0)
                        m_message.reserve(qsizetype(std::min(m_payloadLeft, ReserveAhead)));
                    m_message.resize(at + n);   // past that, growing geometrically
                }
                unmask(data, n, m_message.data() + at);
                m_dataReceived.bytes += quint64(n);   // as they came, even the bad ones
                if (m_textMessage && !m_compressed && !m_utf8.feed(m_message.constData() + at, n)) {
                    fail(1007, QStringLiteral("invalid UTF-8 in a text message (RFC 6455 8.1)"));
                    return data - begin;
                }
            } else if (m_controlPiece.isEmpty() && quint64(n) == m_payloadLeft) {
                unmask(data, n, out->control);   // whole in this piece (nearly always)
                out->controlLength = int(n);
            } else {
                const qsizetype at = m_controlPiece.size();
                m_controlPiece.resize(at + n);
                unmask(data, n, m_controlPiece.data() + at);
            }
            data += n;
            size -= n;
            m_payloadLeft -= quint64(n);
            if (m_payloadLeft == 0 && m_state == State::Payload && !endFrame(out))
                return data - begin;
            break;
        }
        }
    }
    return data - begin;
}

bool ClientFrameFilter::feed(const char *data, qsizetype size, QByteArray *control, QList<DataMessage> *messages)
{
    while (size > 0 && !failed()) {
        Output out;
        const qsizetype read = next(data, size, &out);
        data += read;
        size -= read;
        if (out.kind == Output::Kind::Message) {
            messages->append({out.text, std::move(out.payload), control->size()});
        } else if (out.kind == Output::Kind::Control) {
            control->append(char(0x80 | out.opcode));
            control->append(char(out.controlLength));
            control->append(out.control, out.controlLength);
        }
    }
    return !failed();
}

bool ClientFrameFilter::startFrame(int keyAt, Output *out)
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
    if (m_dataFrame)
        ++m_dataReceived.frames;
    if ((opcode == 0x9 && m_dropPings) || (opcode == 0xA && m_dropPongs)) {
        // Dropped whole: neither the connection nor the message under way sees it.
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
        if (m_payloadLeft > 0) {
            m_state = State::Payload;
            return true;
        }
        return endFrame(out);
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
    if (m_payloadLeft > 0) {
        m_state = State::Payload;
        return true;
    }
    return endFrame(out);   // empty: nothing to unmask
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
    m_controlPiece = QByteArray();
}

bool ClientFrameFilter::endFrame(Output *out)
{
    m_state = State::Header;
    if (!m_dataFrame) {
        // A control frame: whole now, in out->control unless it came in pieces.
        if (!m_controlPiece.isEmpty()) {
            std::memcpy(out->control, m_controlPiece.constData(), size_t(m_controlPiece.size()));
            out->controlLength = int(m_controlPiece.size());
            m_controlPiece = QByteArray();
        }
        out->kind = Output::Kind::Control;
        out->opcode = m_header[0] & 0x0F;
        if (out->opcode == Close && m_peerCloseCode == NoClose)
            notePeerClose(*out);
        return true;
    }
    if (!(m_header[0] & 0x80))
        return true;
    // The last frame of a message: a text message must not end inside a character.
    if (m_compressed && !inflateMessage())
        return false;
    if (m_textMessage && !m_utf8.isComplete()) {
        fail(1007, QStringLiteral("a text message ends inside a UTF-8 character (RFC 6455 8.1)"));
        return false;
    }
    out->kind = Output::Kind::Message;
    out->text = m_textMessage;
    out->payload = std::exchange(m_message, QByteArray());
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

void ClientFrameFilter::notePeerClose(const Output &close)
{
    // Its payload: empty (no code, 1005), the code, then the reason (RFC 6455 5.5.1);
    // a one-byte body is noted as 0.
    const int length = close.controlLength;
    m_peerCloseCode = length == 0 ? 1005 : length == 1 ? 0 : qFromBigEndian<quint16>(close.control);
    if (length > 2)
        m_peerCloseReason = QByteArray(close.control + 2, length - 2);
}

void ClientFrameFilter::unmask(const char *data, qsizetype size, char *to)
{
    // Eight key bytes starting where the payload is, so that byte i of this piece is
    // XORed with key[i % 8]: whole words at a time, then the tail.
    unsigned char key[8];
    for (unsigned i = 0; i < 8; ++i)
        key[i] = m_key[(m_keyPhase + i) & 3];
    quint64 keyWord;
    std::memcpy(&keyWord, key, 8);
    qsizetype i = 0;
    for (; i + 8 <= size; i += 8) {
        quint64 word;
        std::memcpy(&word, data + i, 8);
        word ^= keyWord;
        std::memcpy(to + i, &word, 8);
    }
    for (; i < size; ++i)
        to[i] = char(static_cast<unsigned char>(data[i]) ^ key[i & 7]);
    m_keyPhase = (m_keyPhase + unsigned(size & 3)) & 3;
}

} // namespace WsPlug::Internal
