// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Bearer tokens (JoseToken::parse, TokenVerifier::verify) as they come from a
// request head: a token that parses has its signing input as a prefix; one that
// verifies was signed with the configured algorithm; a refusal says why in a line.

#include "tokenverifier_p.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstdlib>

namespace {

// The corpus's HS256 tokens are signed with this secret; its ES256 ones with the
// private half of this key (tests/fuzz/corpus/jwt/README).
const QByteArray Secret = "fuzz-secret-fuzz-secret-fuzz-secret-0123";
const QByteArray EcPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGA4eRz+aYee1qVCfLwS5PJGRU3vd\n"
    "lNfvGBQD0tsE3xvTsfGZgM21fSpqgKoxx/dDgrwh84mt2y0WQ7XYbnWFIQ==\n"
    "-----END PUBLIC KEY-----\n";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace WsPlug::Internal;
    static TokenVerifier *const verifier = [] {
        auto *v = new TokenVerifier;
        QString error;
        if (!v->setKeys(Secret, EcPublicKey, &error))
            std::abort();
        v->setExpectations(QString(), QString(), 30);
        return v;
    }();
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    JoseToken token;
    QString why;
    const bool parsed = JoseToken::parse(input, &token, &why);
    if (parsed && !input.startsWith(QByteArray(token.signingInput + '.')))
        std::abort();
    if (!parsed && (why.isEmpty() || why.contains(QLatin1Char('\n'))))
        std::abort();

    // A time at which the corpus's tokens are valid (they expire in 2100).
    QString verifyWhy;
    const auto claims = verifier->verify(input, 1800000000, &verifyWhy);
    if (claims && (!parsed || (token.alg != QLatin1String("HS256") && token.alg != QLatin1String("ES256"))))
        std::abort();
    if (!claims && (verifyWhy.isEmpty() || verifyWhy.contains(QLatin1Char('\n'))))
        std::abort();
    return 0;
}
