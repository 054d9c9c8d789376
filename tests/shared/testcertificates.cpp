// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "testcertificates.h"

#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QStandardPaths>

#include <cstdio>

namespace WsPlug::Test {

QString TestCertificates::missing()
{
    return QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty() ? QStringLiteral("openssl") : QString();
}

QString TestCertificates::run(const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QStringLiteral("openssl %1: %2").arg(args.join(QLatin1Char(' ')), QString::fromLocal8Bit(p.readAll()));
    return {};
}

QString TestCertificates::makeServer(const QString &name, const QString &serialHex)
{
    if (!QFile::exists(caFile())) {
        if (QString e = run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                             QStringLiteral("-nodes"), QStringLiteral("-keyout"), m_dir + QStringLiteral("/ca.key"),
                             QStringLiteral("-out"), caFile(), QStringLiteral("-days"), QStringLiteral("2"),
                             QStringLiteral("-subj"), QStringLiteral("/CN=wsplug test CA")}); !e.isEmpty())
            return e;
    }
    const QString tmp = m_dir + QStringLiteral("/tmp-") + name;
    QFile ext(tmp + QStringLiteral(".ext"));
    if (!ext.open(QIODevice::WriteOnly))
        return ext.errorString();
    ext.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    ext.close();
    const QStringList steps[] = {
        {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
         QStringLiteral("-keyout"), tmp + QStringLiteral(".key"), QStringLiteral("-out"), tmp + QStringLiteral(".csr"),
         QStringLiteral("-subj"), QStringLiteral("/CN=localhost")},
        {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), tmp + QStringLiteral(".csr"),
         QStringLiteral("-CA"), caFile(), QStringLiteral("-CAkey"), m_dir + QStringLiteral("/ca.key"),
         QStringLiteral("-set_serial"), QStringLiteral("0x") + serialHex, QStringLiteral("-days"), QStringLiteral("2"),
         QStringLiteral("-extfile"), tmp + QStringLiteral(".ext"), QStringLiteral("-out"), tmp + QStringLiteral(".pem")},
    };
    for (const QStringList &step : steps) {
        if (QString e = run(step); !e.isEmpty())
            return e;
    }
    // Key first, then the certificate: a watcher that reads in between sees a mismatch
    // (and keeps the old pair), never a half-written file.
    for (const QString &suffix : {QStringLiteral(".key"), QStringLiteral(".pem")}) {
        const QString target = m_dir + QLatin1Char('/') + name + suffix;
        // rename(2) replaces the file at once (QFile::rename does not overwrite).
        if (std::rename(QFile::encodeName(tmp + suffix).constData(), QFile::encodeName(target).constData()) != 0)
            return QStringLiteral("cannot rename into %1").arg(target);
    }
    return {};
}

QSslConfiguration TestCertificates::clientConfiguration() const
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setCaCertificates(QSslCertificate::fromPath(caFile()));
    c.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return c;
}

} // namespace WsPlug::Test
