// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tlscredentials_p.h"

#include "logging_p.h"

#include <QFile>
#include <QFileInfo>
#include <QSslCertificate>
#include <QSslKey>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace WsPlug::Internal {

namespace {

// A certificate chain or a key larger than this is not one.
constexpr qint64 MaxPemBytes = 1024 * 1024;

QByteArray readPem(const QString &path, QString *errorString)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *errorString = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return {};
    }
    const QByteArray data = file.read(MaxPemBytes + 1);
    if (data.size() > MaxPemBytes) {
        *errorString = QStringLiteral("%1 is larger than 1 MiB").arg(path);
        return {};
    }
    if (data.isEmpty())
        *errorString = QStringLiteral("%1 is empty").arg(path);
    return data;
}

// Qt does not say whether a key belongs to a certificate (a mismatch only fails the
// handshakes later); OpenSSL does.
bool keyMatchesCertificate(const QByteArray &certPem, const QByteArray &keyPem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> certBio(BIO_new_mem_buf(certPem.constData(), int(certPem.size())), BIO_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())), BIO_free);
    if (!certBio || !keyBio)
        return false;
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr), X509_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr),
                                                            EVP_PKEY_free);
    return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

//! \a certPem and \a keyPem as a server configuration, or nothing with \a errorString.
std::optional<QSslConfiguration> fromPem(const QByteArray &certPem, const QByteArray &keyPem, QString *errorString)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *errorString = QStringLiteral("no PEM certificate in it");
        return std::nullopt;
    }
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        key = QSslKey(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *errorString = QStringLiteral("no unencrypted PEM private key (RSA, EC or DSA) in it");
        return std::nullopt;
    }
    if (!keyMatchesCertificate(certPem, keyPem)) {
        *errorString = QStringLiteral("the private key does not belong to the certificate");
        return std::nullopt;
    }
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setProtocol(QSsl::TlsV1_2OrLater);
    c.setPeerVerifyMode(QSslSocket::VerifyNone);   // no client certificates
    c.setLocalCertificateChain(chain);
    c.setPrivateKey(key);
    // http/1.1 only: a browser must not pick h2 for the page or /metrics.
    c.setAllowedNextProtocols({QByteArray("http/1.1")});
    return c;
}

} // namespace

TlsCredentials::TlsCredentials(const QString &certFile, const QString &keyFile, int settleMs, QObject *parent)
    : QObject(parent), m_certFile(certFile), m_keyFile(keyFile)
{
    m_settle.setSingleShot(true);
    m_settle.setInterval(settleMs);
    connect(&m_settle, &QTimer::timeout, this, [this] { onChanged(); });
    // Files replaced by a rename (how most tools write a certificate) drop out of the
    // watch: their directories are watched too.
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this] { m_settle.start(); });
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { m_settle.start(); });
}

bool TlsCredentials::load(QString *errorString)
{
    QString error;
    const QByteArray cert = readPem(m_certFile, &error);
    const QByteArray key = cert.isEmpty() ? QByteArray() : readPem(m_keyFile, &error);
    std::optional<QSslConfiguration> c;
    if (!cert.isEmpty() && !key.isEmpty()) {
        c = fromPem(cert, key, &error);
        if (!c)
            error = QStringLiteral("%1 and %2: %3").arg(m_certFile, m_keyFile, error);
    }
    m_signature = signature();
    watch();   // a file replaced while unusable is watched again too
    if (!c) {
        if (errorString)
            *errorString = error;
        return false;
    }
    m_configuration = *c;
    const QSslCertificate leaf = m_configuration.localCertificate();
    if (leaf.expiryDate() < QDateTime::currentDateTimeUtc())
        qCWarning(lcHost).noquote() << "TLS certificate" << m_certFile << "expired on" << leaf.expiryDate().toString(Qt::ISODate);
    return true;
}

bool TlsCredentials::reload(QString *errorString)
{
    QString error;
    if (!load(&error)) {   // the previous configuration stays: load() sets it only on success
        qCWarning(lcHost).noquote() << "TLS certificate not reloaded, the previous one stays in use:" << error;
        if (errorString)
            *errorString = error;
        return false;
    }
    qCInfo(lcHost).noquote() << "TLS certificate reloaded, serial"
                              << QString::fromLatin1(m_configuration.localCertificate().serialNumber());
    if (onReloaded)
        onReloaded(m_configuration);
    return true;
}

void TlsCredentials::watch()
{
    QStringList paths = {m_certFile, m_keyFile, QFileInfo(m_certFile).absolutePath(), QFileInfo(m_keyFile).absolutePath()};
    paths.removeDuplicates();
    const QStringList watched = m_watcher.files() + m_watcher.directories();
    for (const QString &path : paths) {
        if (!watched.contains(path) && QFileInfo::exists(path))
            m_watcher.addPath(path);
    }
}

std::array<FileSignature, 2> TlsCredentials::signature() const
{
    return {FileSignature::of(m_certFile), FileSignature::of(m_keyFile)};
}

void TlsCredentials::onChanged()
{
    watch();   // a replaced file is watched again
    if (signature() == m_signature)
        return;   // another file in the directory, or the same bytes again
    reload();
}

} // namespace WsPlug::Internal
