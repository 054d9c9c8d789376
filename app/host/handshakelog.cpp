// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshakelog_p.h"

#include "requesthead_p.h"

namespace WsPlug::Internal {

void HandshakeLog::reset(int capacity)
{
    m_records.clear();
    m_capacity = size_t(std::max(capacity, 1));
}

const HandshakeRecord &HandshakeLog::add(HandshakeRecord record)
{
    record.id = m_nextId++;
    m_records.push_back(std::move(record));
    while (m_records.size() > m_capacity)
        m_records.pop_front();
    return m_records.back();
}

std::optional<HandshakeRecord> HandshakeLog::find(quint64 id) const
{
    // Ids grow by one: the record is at a known distance from the back.
    if (m_records.empty() || id < m_records.front().id || id > m_records.back().id)
        return std::nullopt;
    return m_records[size_t(id - m_records.front().id)];
}

QByteArray HandshakeLog::redactedRequest(QByteArray head)
{
    auto mask = [&head](qsizetype from, qsizetype to) {
        for (qsizetype i = from; i < to; ++i)
            head[i] = '*';
    };
    // The query of the request target ("GET /_admin?a=1&token=... HTTP/1.1"). Keys are
    // compared percent-decoded, as checkAdminToken()'s QUrlQuery compares them: a
    // token accepted under "%74oken" must be masked too.
    const qsizetype lineEnd = head.indexOf("\r\n");
    const qsizetype targetStart = head.indexOf(' ') + 1;
    qsizetype targetEnd = head.indexOf(' ', targetStart);
    if (targetEnd < 0 || (lineEnd >= 0 && targetEnd > lineEnd))
        targetEnd = lineEnd >= 0 ? lineEnd : head.size();
    const qsizetype fragment = head.indexOf('#', targetStart);
    if (fragment >= 0 && fragment < targetEnd)
        targetEnd = fragment;
    const qsizetype query = head.indexOf('?', targetStart);
    if (query >= 0 && query < targetEnd)
        RequestHead::maskQueryParameter(head, query + 1, targetEnd, "token");
    for (qsizetype at = 0; (at = head.indexOf("\r\n", at)) >= 0 && at + 2 < head.size(); at += 2) {
        const qsizetype start = at + 2;
        if (head.mid(start, 14).compare("Authorization:", Qt::CaseInsensitive) != 0)
            continue;
        const qsizetype end = head.indexOf("\r\n", start);
        qsizetype value = start + 14;
        while (value < end && head[value] == ' ')
            ++value;
        const qsizetype space = head.indexOf(' ', value);   // keep the scheme ("Bearer")
        mask(space > 0 && space < end ? space + 1 : value, end);
    }
    // A browser's token offered as the subprotocol "bearer.<token>".
    for (qsizetype at = 0; (at = head.indexOf("bearer.", at)) >= 0; at += 7) {
        const qsizetype lineStart = head.lastIndexOf("\r\n", at) + 2;
        if (head.mid(lineStart, 23).compare("Sec-WebSocket-Protocol:", Qt::CaseInsensitive) != 0)
            continue;
        qsizetype end = at + 7;
        while (end < head.size() && head[end] != ',' && head[end] != ' ' && head[end] != '\r')
            ++end;
        mask(at + 7, end);
    }
    return head;
}

} // namespace WsPlug::Internal
