// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QSslConfiguration>
#include <QString>

namespace WsPlug::Test {

/*
 * Certificates made at test time by openssl on the command line (an implementation
 * independent of the host's): a CA in \a dir (ca.pem, ca.key, made on first use) and
 * server certificates for localhost and 127.0.0.1 signed by it.
 */
class TestCertificates
{
public:
    explicit TestCertificates(const QString &dir) : m_dir(dir) {}

    //! Empty when openssl is there; else what is missing.
    static QString missing();

    //! Makes \a name.pem and \a name.key with serial \a serialHex (e.g. "1001"); written
    //! to temporary files and renamed into place, as a deployment tool would. Empty on
    //! success, else what failed.
    QString makeServer(const QString &name, const QString &serialHex);

    QString caFile() const { return m_dir + QStringLiteral("/ca.pem"); }
    QString certFile(const QString &name) const { return m_dir + QLatin1Char('/') + name + QStringLiteral(".pem"); }
    QString keyFile(const QString &name) const { return m_dir + QLatin1Char('/') + name + QStringLiteral(".key"); }
    //! A client configuration that trusts only the CA.
    QSslConfiguration clientConfiguration() const;

private:
    QString run(const QStringList &args);
    QString m_dir;
};

} // namespace WsPlug::Test
