// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientframefilter_p.h"

#include "frameencoder_p.h"

#include <QtEndian>

#include <cstring>

namespace WsPlug::Internal {

namespace {

enum Opcode : int { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8 };

constexpr char Bom[] = "\xEF\xBB\xBF";
constexpr int BomSize = 3;

bool startsWithBom(const QByteArray &payload)
{
    return payload.startsWith(QByteArrayView(Bom, BomSize));
}

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
                fail(1002, QStringLiteral("client frames must be masked (RFC 6455 5.1)"));
                return false;
            }
            const int keyAt = lengthFieldEnd(m_header[1]);
            if (m_headerHave < keyAt + 4)
                break;
            startFrame(keyAt, out);
            if (m_state == State::Failed)
                return false;
            break;
        }
        case State::Payload: {
            qsizetype n = qsizetype(qMin<quint64>(m_payloadLeft, quint64(size)));
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
            if (m_holdingHeader)
                n = std::min<qsizetype>(n, BomSize - m_heldPayload.size());
            QByteArray *to = m_payloadToJoined ? &m_joined : m_holdingHeader ? &m_heldPayload : out;
            const qsizetype at = to->size();
            unmaskPayload(data, n, to);
            if (isDataFrame())
                m_dataReceived.bytes += quint64(n);   // as they came, even the bad ones
            if (m_checkingText && !m_utf8.feed(to->constData() + at, n)) {
                to->truncate(m_payloadToJoined || m_holdingHeader ? to->size() : at);
                fail(1007, QStringLiteral("invalid UTF-8 in a text message (RFC 6455 8.1)"));
                return false;
            }
            if (m_readingCloseCode)
                noteCloseCode(to->constData() + at, n);
            data += n;
            size -= n;
            m_payloadLeft -= quint64(n);
            if (m_holdingHeader && (m_heldPayload.size() == BomSize || m_payloadLeft == 0))
                releaseHeldHeader(out);
            if (m_payloadLeft == 0 && !endFrame(out))
                return false;
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
    if ((opcode == 0x9 && m_dropPings) || (opcode == 0xA && m_dropPongs)) {
        // Dropped whole: neither Qt nor the message under way sees it.
        m_checkingText = false;
        m_readingCloseCode = false;
        m_payloadToJoined = false;
        m_holdingHeader = false;
        m_discarding = m_payloadLeft > 0;
        m_state = m_discarding ? State::Payload : State::Header;
        return;
    }
    // Only a close frame Qt takes (final, no RSV bit, at most 125 bytes) is the peer's.
    if (opcode == Close && m_peerCloseCode == NoClose && fin && !rsv && m_payloadLeft <= 125) {
        m_readingCloseCode = m_payloadLeft > 0;
        m_closeCodeHave = 0;
        if (m_payloadLeft == 0)
            m_peerCloseCode = 1005;
        else if (m_payloadLeft == 1)
            m_peerCloseCode = 0;
    }

    // Which message the frame belongs to, and whether its text is checked here: not
    // for a frame Qt refuses anyway (RSV bits, a length not in its shortest form, over
    // the frame limit, out of order), so that Qt fails it as it would have.
    const bool wellFormed = !rsv && minimalLength && m_payloadLeft <= quint64(m_maxJoined);
    const bool dataFrame = opcode == Text || opcode == Binary || opcode == Continuation;
    const bool startsMessage = !m_messageOpen && (opcode == Text || opcode == Binary);
    const bool continuesMessage = m_messageOpen && opcode == Continuation;
    if (startsMessage) {
        m_textMessage = opcode == Text;
        m_textChecked = true;
        m_utf8.reset();
    }
    // Once one frame of a message is left to Qt, the rest is too: the check would
    // lose its place in the text.
    if (dataFrame && (startsMessage || continuesMessage) && !wellFormed)
        m_textChecked = false;
    m_checkingText = dataFrame && (startsMessage || continuesMessage) && m_textMessage && m_textChecked;
    if (dataFrame && (startsMessage || continuesMessage))
        m_messageOpen = !fin;

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
    // The first frame of a text message that goes out as it came waits for its first
    // payload bytes: a BOM there needs a second one in front (see the class comment).
    m_holdingHeader = !m_payloadToJoined && m_checkingText && startsMessage && m_payloadLeft >= BomSize;
    if (m_holdingHeader) {
        m_heldKeyAt = keyAt;
        m_heldPayload.clear();
    } else if (!m_payloadToJoined) {
        m_header[1] &= 0x7F;
        out->append(reinterpret_cast<const char *>(m_header), keyAt);
    }
    if (m_payloadLeft > 0)
        m_state = State::Payload;
    else
        endFrame(out);   // empty: nothing to check, nothing held
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

void ClientFrameFilter::releaseHeldHeader(QByteArray *out)
{
    m_holdingHeader = false;
    const quint64 length = quint64(m_heldPayload.size()) + m_payloadLeft;
    if (startsWithBom(m_heldPayload)) {
        appendFrameHeader(*out, m_header[0] & 0x0F, m_header[0] & 0x80, length + BomSize);
        out->append(Bom, BomSize);
    } else {
        m_header[1] &= 0x7F;
        out->append(reinterpret_cast<const char *>(m_header), m_heldKeyAt);
    }
    out->append(m_heldPayload);
    m_heldPayload.clear();
}

void ClientFrameFilter::fail(int code, const QString &why)
{
    m_state = State::Failed;
    m_errorCode = code;
    m_error = why;
    m_joined = QByteArray();
    m_heldPayload = QByteArray();
}

bool ClientFrameFilter::isDataFrame() const
{
    const int opcode = m_header[0] & 0x0F;
    return opcode == Continuation || opcode == Text || opcode == Binary;
}

bool ClientFrameFilter::endFrame(QByteArray *out)
{
    m_state = State::Header;
    // A text message must not end inside a character.
    if (m_checkingText && (m_header[0] & 0x80) && !m_utf8.isComplete()) {
        fail(1007, QStringLiteral("a text message ends inside a UTF-8 character (RFC 6455 8.1)"));
        return false;
    }
    m_checkingText = false;
    if (m_payloadToJoined && (m_header[0] & 0x80))   // the last fragment
        flushJoined(true, out);
    m_payloadToJoined = false;
    return true;
}

void ClientFrameFilter::flushJoined(bool final, QByteArray *out)
{
    // The joined message is the first (or only) frame Qt sees of it: a BOM at its start
    // gets a second in front.
    const bool bom = startsWithBom(m_joined);
    appendFrameHeader(*out, Text, final, quint64(m_joined.size()) + (bom ? BomSize : 0));
    if (bom)
        out->append(Bom, BomSize);
    out->append(m_joined);
    m_joined = QByteArray();
    m_joining = false;
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
