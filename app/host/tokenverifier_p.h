// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace WsPlug {
struct HostConfig;
}

namespace WsPlug::Internal {

//! A compact JWS (header.claims.signature) split and decoded, not verified.
struct WSPLUG_EXPORT JoseToken
{
    QJsonObject header;
    QJsonObject claims;
    QString alg;               //!< the header's "alg"
    QByteArray signingInput;   //!< "header.claims" as it came: what the signature covers
    QByteArray signature;      //!< decoded

    //! Splits \a token; false with \a why if it is not three base64url parts whose
    //! first two are JSON objects, or its header has no string "alg".
    static bool parse(const QByteArray &token, JoseToken *out, QString *why);
};

//! What the host keeps of a verified token.
struct WSPLUG_EXPORT TokenClaims
{
    QJsonObject claims;
    QString subject;
    QStringList roles;
    qint64 expiresAt = 0;   //!< "exp" in seconds since the epoch; 0 when absent
};

/*
 * Verifies bearer tokens (JWS compact, RFC 7515/7519) with the keys the host was
 * given: HS256 with a shared secret, RS256 or ES256 with a PEM public key. Only an
 * algorithm that matches a configured key is accepted, so "alg": "none" and
 * algorithm confusion (an HS256 token keyed with the public key) are refused. The
 * crypto is OpenSSL's (EVP_DigestVerify, CRYPTO_memcmp) and Qt's HMAC; this class
 * only parses and compares.
 */
class WSPLUG_EXPORT TokenVerifier
{
public:
    TokenVerifier();
    ~TokenVerifier();
    TokenVerifier(const TokenVerifier &) = delete;
    TokenVerifier &operator=(const TokenVerifier &) = delete;

    //! Reads the key files and the expected claims of \a config; false with
    //! \a errorString if a file cannot be read or holds no usable key.
    bool configure(const HostConfig &config, QString *errorString);
    //! Keys given directly (empty: none of that kind).
    bool setKeys(const QByteArray &hs256Secret, const QByteArray &publicKeyPem, QString *errorString);
    void setExpectations(const QString &issuer, const QString &audience, int clockSkewSeconds);
    bool hasKeys() const;

    //! The token's claims, or nullopt with the reason in \a why.
    std::optional<TokenClaims> verify(const QByteArray &token, qint64 nowSeconds, QString *why) const;

private:
    bool verifySignature(const JoseToken &token, QString *why) const;

    struct KeyDeleter
    {
        void operator()(void *key) const;
    };
    QByteArray m_secret;
    std::unique_ptr<void, KeyDeleter> m_publicKey;   // EVP_PKEY
    QString m_publicKeyAlg;                          // "RS256" or "ES256"
    QString m_issuer;
    QString m_audience;
    int m_clockSkew = 30;
};

} // namespace WsPlug::Internal
