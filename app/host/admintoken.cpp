// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "admintoken_p.h"

#include "requesthead_p.h"

#include <QMessageAuthenticationCode>
#include <QRandomGenerator>

namespace WsPlug::Internal {

void AdminToken::reset(const QString &configured, const QString &readOnly)
{
    m_macKey = QByteArray::number(QRandomGenerator::system()->generate64(), 16)
             + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    m_token = configured;
    if (m_token.isEmpty()) {
        QByteArray random(24, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
        m_token = QString::fromLatin1(random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    }
    m_mac = QMessageAuthenticationCode::hash(m_token.toUtf8(), m_macKey, QCryptographicHash::Sha256);
    m_readMac = readOnly.isEmpty() ? QByteArray()
                                   : QMessageAuthenticationCode::hash(readOnly.toUtf8(), m_macKey, QCryptographicHash::Sha256);
}

bool AdminToken::sameMac(const QByteArray &a, const QByteArray &b)
{
    // Byte by byte without an early exit: the time taken does not depend on how much
    // of the token was right.
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

AdminToken::Access AdminToken::access(const RequestHead &head) const
{
    const QByteArray given = head.bearerCredential();
    if (given.isEmpty() || m_mac.isEmpty())
        return Access::None;
    const QByteArray mac = QMessageAuthenticationCode::hash(given, m_macKey, QCryptographicHash::Sha256);
    // Both compared whatever the first gives: no shortcut to time.
    const bool full = sameMac(mac, m_mac);
    const bool readOnly = !m_readMac.isEmpty() && sameMac(mac, m_readMac);
    return full ? Access::Full : readOnly ? Access::ReadOnly : Access::None;
}

} // namespace WsPlug::Internal
