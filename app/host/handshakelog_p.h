// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>

#include <deque>
#include <optional>

namespace WsPlug::Internal {

//! The most recent upgrade attempts, byte-exact, oldest dropped first. No I/O.
class HandshakeLog
{
public:
    void reset(int capacity);
    //! Numbers \a record, keeps it and returns it as kept.
    const HandshakeRecord &add(HandshakeRecord record);
    const std::deque<HandshakeRecord> &records() const { return m_records; }
    std::optional<HandshakeRecord> find(quint64 id) const;

    //! \a head with its credentials masked (same length, so offsets stay true): the
    //! value of a "token" query parameter, of an Authorization header and of a
    //! "bearer.<token>" subprotocol. Admin requests and those on routes that take a
    //! bearer token are logged this way: the log is shown on projectors and sent to
    //! every admin client.
    static QByteArray redactedRequest(QByteArray head);

private:
    std::deque<HandshakeRecord> m_records;
    quint64 m_nextId = 1;
    size_t m_capacity = 500;
};

} // namespace WsPlug::Internal
