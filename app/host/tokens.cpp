// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "logging_p.h"

// Bearer tokens: which routes take one, a session's claims, its expiry and refresh.
// The verification itself is TokenVerifier's (tokenverifier.cpp); the check before the
// upgrade is the gate's (handshakegate.cpp).
namespace WsPlug {

using namespace Internal;

namespace {
// RFC 6455 7.4.2 leaves 4000-4999 to applications; 4001 is "unauthorized" in the
// convention Centrifugo and others follow (see docs/security.md).
constexpr quint16 TokenExpiredCloseCode = 4001;
} // namespace

bool HostServerPrivate::requiresToken(const QString &route, const QString &path) const
{
    for (const QString &entry : config.requireToken) {
        if (entry == QLatin1String("*") || entry == route || entry == path)
            return true;
    }
    return false;
}

std::optional<TokenClaims> HostServerPrivate::verifyToken(const QByteArray &token, QString *why) const
{
    if (!tokens.hasKeys()) {
        *why = QStringLiteral("no key is configured");
        return std::nullopt;
    }
    return tokens.verify(token, QDateTime::currentSecsSinceEpoch(), why);
}

void HostServerPrivate::applyToken(Session *s, const TokenClaims &token)
{
    s->info.subject = token.subject;
    s->info.roles = token.roles;
    s->info.claims = token.claims.toVariantMap();
    s->info.tokenExpiresAt = token.expiresAt ? QDateTime::fromSecsSinceEpoch(token.expiresAt, Qt::UTC) : QDateTime();
    s->dirty = true;
    s->tokenDeadlineMs = token.expiresAt ? token.expiresAt * 1000 + config.tokenGraceMs : 0;
    if (s->tokenDeadlineMs == 0)
        return;
    tokenDeadlines.emplace(s->tokenDeadlineMs, s->info.id);
    scheduleTokenTimer();
}

/*!
    Verifies \a token as at the handshake and, if it is good and for the same subject,
    makes it the token of \a s. False with \a errorString otherwise.
*/
bool HostServerPrivate::refreshToken(Session *s, const QString &token, QString *errorString)
{
    if (!s || !s->isOpen()) {
        *errorString = QStringLiteral("no such open session");
        return false;
    }
    if (!s->tokenRoute) {
        *errorString = QStringLiteral("the session's route takes no token (--require-token)");
        return false;
    }
    const std::optional<TokenClaims> claims = verifyToken(token.trimmed().toUtf8(), errorString);
    if (!claims)
        return false;
    // A refresh extends a session; it must not turn it into someone else's.
    if (claims->subject != s->info.subject) {
        *errorString = QStringLiteral("the new token is for another subject");
        return false;
    }
    applyToken(s, *claims);
    qCInfo(lcHost).noquote() << QStringLiteral("session %1: token refreshed, expires %2")
                                    .arg(s->info.id)
                                    .arg(s->info.tokenExpiresAt.isValid() ? s->info.tokenExpiresAt.toString(Qt::ISODate)
                                                                          : QStringLiteral("never"));
    return true;
}

void HostServerPrivate::scheduleTokenTimer()
{
    if (tokenDeadlines.empty() || !running) {
        tokenTimer.stop();
        return;
    }
    const qint64 wait = tokenDeadlines.begin()->first - QDateTime::currentMSecsSinceEpoch();
    // QTimer takes an int: far deadlines are reached in steps.
    tokenTimer.start(int(std::clamp<qint64>(wait, 0, 24 * 3600 * 1000)));
}

void HostServerPrivate::onTokenDeadlines()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    while (!tokenDeadlines.empty() && tokenDeadlines.begin()->first <= now) {
        const auto [deadline, id] = *tokenDeadlines.begin();
        tokenDeadlines.erase(tokenDeadlines.begin());
        Session *s = sessions.value(id);
        // Gone, or refreshed since (its deadline moved): nothing to do.
        if (!s || s->tokenDeadlineMs != deadline || !s->isOpen())
            continue;
        qCInfo(lcHost).noquote() << QStringLiteral("session %1: token expired at %2 and was not refreshed; closing with %3")
                                        .arg(id).arg(s->info.tokenExpiresAt.toString(Qt::ISODate)).arg(TokenExpiredCloseCode);
        requestClose(s, TokenExpiredCloseCode, QStringLiteral("token expired"), CloseCause::Server);
    }
    scheduleTokenTimer();
}

} // namespace WsPlug
