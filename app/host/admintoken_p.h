// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace WsPlug::Internal {

class RequestHead;

//! The admin channel's token and the check of a request against it.
class AdminToken
{
public:
    //! Uses \a configured, or a random URL-safe token when it is empty. The comparison
    //! key is new each time, so that the time a check takes says nothing about the token.
    void reset(const QString &configured);
    QString token() const { return m_token; }
    //! True if \a head carries the token, as "Authorization: Bearer <token>" or as a
    //! "token" query parameter.
    bool accepts(const RequestHead &head) const;

private:
    QString m_token;
    QByteArray m_mac;       // HMAC of the token, for constant-time checks
    QByteArray m_macKey;
};

} // namespace WsPlug::Internal
