// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace WsPlug::Internal {

class RequestHead;

//! The admin channel's tokens (the full one, and an optional read-only one) and the
//! check of a request against them.
class AdminToken
{
public:
    //! Uses \a configured, or a random URL-safe token when it is empty; \a readOnly, if
    //! not empty, is a second token that may only watch. The comparison key is new each
    //! time, so that the time a check takes says nothing about the tokens.
    void reset(const QString &configured, const QString &readOnly = {});
    QString token() const { return m_token; }

    enum class Access { None, ReadOnly, Full };
    //! What the token \a head carries (as "Authorization: Bearer <token>" or as a
    //! "token" query parameter) may do.
    Access access(const RequestHead &head) const;

private:
    static bool sameMac(const QByteArray &a, const QByteArray &b);

    QString m_token;
    QByteArray m_mac;       // HMAC of the token, for constant-time checks
    QByteArray m_readMac;   // of the read-only token, or empty
    QByteArray m_macKey;
};

} // namespace WsPlug::Internal
