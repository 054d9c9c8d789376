// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tokenverifier_p.h"

#include <wsplug/hostconfig.h>
#include <wsplug/protocol/adminprotocol.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cmath>

namespace WsPlug::Internal {

namespace {

// Larger than any token a request head can carry; bounds the work on hostile input.
constexpr qsizetype MaxTokenBytes = 16 * 1024;

bool decodePart(const QByteArray &part, QByteArray *out)
{
    // Strict: base64url without padding (RFC 7515 2), nothing else.
    const auto result = QByteArray::fromBase64Encoding(
        part, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
                  | QByteArray::AbortOnBase64DecodingErrors);
    if (!result || part.contains('='))
        return false;
    *out = *result;
    return true;
}

bool decodeObject(const QByteArray &part, QJsonObject *out)
{
    QByteArray json;
    if (!decodePart(part, &json))
        return false;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return false;
    *out = doc.object();
    return true;
}

//! A NumericDate claim (RFC 7519 2): absent is fine, anything but a number is not.
bool numericDate(const QJsonObject &claims, const QString &name, std::optional<qint64> *out)
{
    const QJsonValue v = claims.value(name);
    if (v.isUndefined())
        return true;
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || !std::isfinite(d) || d < 0 || d > 1e13)
        return false;
    *out = qint64(std::floor(d));
    return true;
}

QByteArray readSmallFile(const QString &path, QString *errorString)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *errorString = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return {};
    }
    if (file.size() > 64 * 1024) {
        *errorString = QStringLiteral("%1 is larger than 64 KiB: not a key").arg(path);
        return {};
    }
    return file.readAll();
}

} // namespace

bool JoseToken::parse(const QByteArray &token, JoseToken *out, QString *why)
{
    if (token.isEmpty() || token.size() > MaxTokenBytes) {
        *why = QStringLiteral("empty or oversized token");
        return false;
    }
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3) {
        *why = QStringLiteral("not a compact JWS (three dot-separated parts)");
        return false;
    }
    JoseToken t;
    if (!decodeObject(parts[0], &t.header)) {
        *why = QStringLiteral("the header is not base64url JSON object");
        return false;
    }
    if (!decodeObject(parts[1], &t.claims)) {
        *why = QStringLiteral("the claims are not a base64url JSON object");
        return false;
    }
    if (!decodePart(parts[2], &t.signature)) {
        *why = QStringLiteral("the signature is not base64url");
        return false;
    }
    if (!t.header.value(QStringLiteral("alg")).isString()) {
        *why = QStringLiteral("the header has no \"alg\"");
        return false;
    }
    t.alg = t.header.value(QStringLiteral("alg")).toString();
    t.signingInput = token.left(parts[0].size() + 1 + parts[1].size());
    *out = std::move(t);
    return true;
}

void TokenVerifier::KeyDeleter::operator()(void *key) const
{
    EVP_PKEY_free(static_cast<EVP_PKEY *>(key));
}

TokenVerifier::TokenVerifier() = default;
TokenVerifier::~TokenVerifier() = default;

bool TokenVerifier::configure(const HostConfig &config, QString *errorString)
{
    QByteArray secret;
    QByteArray pem;
    if (!config.jwtHs256SecretFile.isEmpty()) {
        secret = readSmallFile(config.jwtHs256SecretFile, errorString);
        // A trailing newline is an editor's, not part of the secret.
        while (secret.endsWith('\n') || secret.endsWith('\r'))
            secret.chop(1);
        if (secret.isEmpty()) {
            if (errorString->isEmpty())
                *errorString = QStringLiteral("%1 is empty").arg(config.jwtHs256SecretFile);
            return false;
        }
        if (secret.size() < 32) {
            *errorString = QStringLiteral("the HS256 secret in %1 is shorter than 32 bytes")
                               .arg(config.jwtHs256SecretFile);
            return false;
        }
    }
    if (!config.jwtPublicKeyFile.isEmpty()) {
        pem = readSmallFile(config.jwtPublicKeyFile, errorString);
        if (pem.isEmpty()) {
            if (errorString->isEmpty())
                *errorString = QStringLiteral("%1 is empty").arg(config.jwtPublicKeyFile);
            return false;
        }
    }
    if (!setKeys(secret, pem, errorString))
        return false;
    setExpectations(config.jwtIssuer, config.jwtAudience, config.jwtClockSkewSeconds);
    return true;
}

bool TokenVerifier::setKeys(const QByteArray &hs256Secret, const QByteArray &publicKeyPem, QString *errorString)
{
    m_secret = hs256Secret;
    m_publicKey.reset();
    m_publicKeyAlg.clear();
    if (publicKeyPem.isEmpty())
        return true;
    BIO *bio = BIO_new_mem_buf(publicKeyPem.constData(), int(publicKeyPem.size()));
    EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    if (!key) {
        *errorString = QStringLiteral("the public key file holds no PEM public key (BEGIN PUBLIC KEY)");
        return false;
    }
    m_publicKey.reset(key);
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(key) < 2048) {
            *errorString = QStringLiteral("the RSA public key has fewer than 2048 bits");
            m_publicKey.reset();
            return false;
        }
        m_publicKeyAlg = QStringLiteral("RS256");
        return true;
    }
    char group[64] = {};
    size_t groupLength = 0;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC
        && EVP_PKEY_get_group_name(key, group, sizeof group, &groupLength) == 1
        && (qstrcmp(group, "prime256v1") == 0 || qstrcmp(group, "P-256") == 0)) {
        m_publicKeyAlg = QStringLiteral("ES256");
        return true;
    }
    *errorString = QStringLiteral("the public key is neither RSA (RS256) nor EC P-256 (ES256)");
    m_publicKey.reset();
    return false;
}

void TokenVerifier::setExpectations(const QString &issuer, const QString &audience, int clockSkewSeconds)
{
    m_issuer = issuer;
    m_audience = audience;
    m_clockSkew = clockSkewSeconds;
}

bool TokenVerifier::hasKeys() const
{
    return !m_secret.isEmpty() || m_publicKey;
}

bool TokenVerifier::verifySignature(const JoseToken &token, QString *why) const
{
    if (token.alg == QLatin1String("HS256")) {
        if (m_secret.isEmpty()) {
            *why = QStringLiteral("alg HS256 refused: no HS256 secret is configured");
            return false;
        }
        const QByteArray mac = QMessageAuthenticationCode::hash(token.signingInput, m_secret,
                                                                QCryptographicHash::Sha256);
        if (token.signature.size() != mac.size()
            || CRYPTO_memcmp(token.signature.constData(), mac.constData(), size_t(mac.size())) != 0) {
            *why = QStringLiteral("bad signature (HS256)");
            return false;
        }
        return true;
    }
    if (!m_publicKey || token.alg != m_publicKeyAlg) {
        QStringList accepted;
        if (!m_secret.isEmpty())
            accepted << QStringLiteral("HS256");
        if (m_publicKey)
            accepted << m_publicKeyAlg;
        *why = QStringLiteral("alg %1 refused: the configured keys take %2")
                   .arg(Protocol::oneLine(token.alg.left(32)), accepted.join(QStringLiteral(" or ")));
        return false;
    }
    QByteArray signature = token.signature;
    if (m_publicKeyAlg == QLatin1String("ES256")) {
        // JOSE carries the raw r||s (RFC 7518 3.4); OpenSSL verifies DER.
        if (signature.size() != 64) {
            *why = QStringLiteral("bad signature (ES256 needs 64 bytes)");
            return false;
        }
        const auto *raw = reinterpret_cast<const unsigned char *>(signature.constData());
        ECDSA_SIG *sig = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(raw, 32, nullptr);
        BIGNUM *s = BN_bin2bn(raw + 32, 32, nullptr);
        if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(sig);
            *why = QStringLiteral("cannot convert the ES256 signature");
            return false;
        }
        unsigned char *der = nullptr;
        const int derLength = i2d_ECDSA_SIG(sig, &der);
        ECDSA_SIG_free(sig);
        if (derLength <= 0) {
            *why = QStringLiteral("cannot convert the ES256 signature");
            return false;
        }
        signature = QByteArray(reinterpret_cast<const char *>(der), derLength);
        OPENSSL_free(der);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx
        && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY *>(m_publicKey.get())) == 1
        && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()), size_t(signature.size()),
                            reinterpret_cast<const unsigned char *>(token.signingInput.constData()),
                            size_t(token.signingInput.size())) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        *why = QStringLiteral("bad signature (%1)").arg(m_publicKeyAlg);
    return ok;
}

std::optional<TokenClaims> TokenVerifier::verify(const QByteArray &token, qint64 nowSeconds, QString *why) const
{
    JoseToken t;
    if (!JoseToken::parse(token, &t, why))
        return std::nullopt;
    if (t.alg == QLatin1String("none")) {
        *why = QStringLiteral("alg none refused");
        return std::nullopt;
    }
    // RFC 7515 4.1.11: extensions the recipient does not understand must be refused.
    if (t.header.contains(QStringLiteral("crit"))) {
        *why = QStringLiteral("the header has \"crit\" extensions");
        return std::nullopt;
    }
    if (!verifySignature(t, why))
        return std::nullopt;
    // A token that claims nothing identifies nobody; and a session's claims being
    // empty is how a plugin tells that it presented no token (wsplug/sdk/rights.h).
    if (t.claims.isEmpty()) {
        *why = QStringLiteral("the token has no claims");
        return std::nullopt;
    }

    std::optional<qint64> exp;
    std::optional<qint64> nbf;
    if (!numericDate(t.claims, QStringLiteral("exp"), &exp) || !numericDate(t.claims, QStringLiteral("nbf"), &nbf)) {
        *why = QStringLiteral("exp or nbf is not a number");
        return std::nullopt;
    }
    if (exp && nowSeconds - m_clockSkew >= *exp) {
        *why = QStringLiteral("expired %1 s ago").arg(nowSeconds - *exp);
        return std::nullopt;
    }
    if (nbf && nowSeconds + m_clockSkew < *nbf) {
        *why = QStringLiteral("not valid for another %1 s (nbf)").arg(*nbf - nowSeconds);
        return std::nullopt;
    }
    if (!m_issuer.isEmpty() && t.claims.value(QStringLiteral("iss")) != QJsonValue(m_issuer)) {
        *why = QStringLiteral("wrong issuer");
        return std::nullopt;
    }
    // RFC 7519 4.1.3: a token addressed to audiences must name ours; with none
    // configured, a token addressed to someone is not for this host either.
    const QJsonValue aud = t.claims.value(QStringLiteral("aud"));
    if (!aud.isUndefined() || !m_audience.isEmpty()) {
        const bool named = aud.isString() ? aud.toString() == m_audience
                         : aud.isArray() ? aud.toArray().contains(QJsonValue(m_audience))
                                         : false;
        if (m_audience.isEmpty() || !named) {
            *why = m_audience.isEmpty() ? QStringLiteral("the token names an audience and none is configured")
                                        : QStringLiteral("wrong audience");
            return std::nullopt;
        }
    }
    const QJsonValue sub = t.claims.value(QStringLiteral("sub"));
    if (!sub.isUndefined() && !sub.isString()) {
        *why = QStringLiteral("sub is not a string");
        return std::nullopt;
    }

    TokenClaims claims;
    claims.claims = t.claims;
    claims.subject = sub.toString();
    claims.expiresAt = exp.value_or(0);
    const QJsonValue roles = t.claims.value(QStringLiteral("roles"));
    if (roles.isString()) {
        claims.roles = roles.toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    } else {
        for (const QJsonValue &role : roles.toArray()) {
            if (role.isString())
                claims.roles << role.toString();
        }
    }
    return claims;
}

} // namespace WsPlug::Internal
