// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "framedecoder_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <cstring>

namespace WsPlug::Internal {

FrameDecoder::FrameDecoder(Protocol::Direction direction, Report report, Admit admit)
    : m_direction(direction), m_report(std::move(report)), m_admit(std::move(admit))
{
}

void FrameDecoder::resume(const QByteArray &headerSoFar, quint64 payloadLeft, qint64 nowUs)
{
    m_header.clear();
    m_headerSize = 2;
    m_state = State::Header;
    if (payloadLeft > 0) {
        m_state = State::Skip;
        m_payloadLeft = payloadLeft;
        return;
    }
    feed(headerSoFar.constData(), headerSoFar.size(), nowUs);
}

FrameDecoder::ResumePoint FrameDecoder::resumePoint() const
{
    switch (m_state) {
    case State::Header:
        return {m_header, 0};
    case State::Shown:
        return {{}, m_shownLeft + m_payloadLeft};
    case State::Skip:
        break;
    }
    return {{}, m_payloadLeft};
}

void FrameDecoder::feed(const char *data, qsizetype size, qint64 nowUs)
{
    while (size > 0) {
        switch (m_state) {
        case State::Header: {
            if (m_header.isEmpty())
                m_frame.timeUs = nowUs;
            const qsizetype n = qMin<qsizetype>(size, m_headerSize - m_header.size());
            m_header.append(data, n);
            data += n;
            size -= n;
            if (m_header.size() == 2) {
                const int length7 = static_cast<unsigned char>(m_header.at(1)) & 0x7F;
                m_headerSize = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0)
                        + ((static_cast<unsigned char>(m_header.at(1)) & 0x80) ? 4 : 0);
            }
            if (m_header.size() == m_headerSize)
                headerComplete();
            break;
        }
        case State::Shown: {
            const qsizetype n = qsizetype(qMin<quint64>(m_shownLeft, quint64(size)));
            const qsizetype at = m_frame.payload.size();
            m_frame.payload.append(data, n);
            if (m_masked) {
                char *p = m_frame.payload.data() + at;
                for (qsizetype i = 0; i < n; ++i)
                    p[i] = char(static_cast<unsigned char>(p[i]) ^ m_key[(m_keyPhase + unsigned(i)) & 3]);
                m_keyPhase = (m_keyPhase + unsigned(n)) & 3;
            }
            data += n;
            size -= n;
            m_shownLeft -= quint64(n);
            if (m_shownLeft == 0)
                finishFrame();
            break;
        }
        case State::Skip: {
            const qsizetype n = qsizetype(qMin<quint64>(m_payloadLeft, quint64(size)));
            data += n;
            size -= n;
            m_payloadLeft -= quint64(n);
            if (m_payloadLeft == 0) {
                m_state = State::Header;
                m_header.clear();
                m_headerSize = 2;
            }
            break;
        }
        }
    }
}

void FrameDecoder::headerComplete()
{
    Protocol::FrameHeader h;
    Protocol::parseFrameHeader(m_header, &h);
    // Numbered whether reported or not, so that a sampled message keeps its number.
    if (h.opcode == 0x1 || h.opcode == 0x2) {
        ++m_message;
        m_fragment = 0;
    } else if (h.opcode == 0x0) {
        ++m_fragment;
    }
    const bool dataFrame = h.opcode <= 0x2;
    const bool admitted = !m_admit || m_admit(h.payloadLength);
    m_masked = h.masked;
    if (m_masked)
        std::memcpy(m_key, h.maskingKey.constData(), 4);
    m_keyPhase = 0;
    m_frame.direction = m_direction;
    m_frame.header = m_header;
    m_frame.payloadLength = h.payloadLength;
    m_frame.payload.clear();
    m_frame.message = dataFrame ? m_message : 0;
    m_frame.fragment = dataFrame ? qMax(m_fragment, 0) : -1;
    m_header.clear();
    m_headerSize = 2;
    m_shownLeft = admitted ? qMin<quint64>(h.payloadLength, Protocol::MaxFramePayloadShown) : 0;
    m_payloadLeft = h.payloadLength - m_shownLeft;
    if (!admitted) {
        m_state = m_payloadLeft > 0 ? State::Skip : State::Header;
        return;
    }
    if (m_shownLeft > 0) {
        m_frame.payload.reserve(qsizetype(m_shownLeft));
        m_state = State::Shown;
        return;
    }
    finishFrame();
}

void FrameDecoder::finishFrame()
{
    m_state = m_payloadLeft > 0 ? State::Skip : State::Header;
    m_report(std::move(m_frame));
    m_frame = Protocol::FrameRecord();
}

} // namespace WsPlug::Internal
