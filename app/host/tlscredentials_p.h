// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "filesignature_p.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

#include <array>
#include <functional>

namespace WsPlug::Internal {

/*
 * The host's TLS certificate and key (--tls-cert, --tls-key) as a server
 * QSslConfiguration (TLS 1.2 or newer, no client certificates), and their reloads: on
 * reload() (SIGHUP) and when either file changes, once the change has settled (a
 * certificate is often written in several steps, or replaced by a rename). A reload that
 * fails (unreadable, not PEM, key not the certificate's) keeps the previous
 * configuration and says why; sessions are never touched (only new handshakes use it).
 */
class TlsCredentials final : public QObject
{
public:
    TlsCredentials(const QString &certFile, const QString &keyFile, int settleMs, QObject *parent = nullptr);

    //! Reads both files; false with \a errorString if they are not a usable pair.
    bool load(QString *errorString);
    //! Reads them again now: true if the new pair is in use.
    bool reload(QString *errorString = nullptr);
    QSslConfiguration configuration() const { return m_configuration; }

    //! After each reload that took: the new configuration.
    std::function<void(const QSslConfiguration &)> onReloaded;

private:
    void watch();
    void onChanged();
    std::array<FileSignature, 2> signature() const;
    const QString m_certFile;
    const QString m_keyFile;
    QSslConfiguration m_configuration;
    QFileSystemWatcher m_watcher;
    QTimer m_settle;
    std::array<FileSignature, 2> m_signature;   // of the files last loaded (or last found unusable)
};

} // namespace WsPlug::Internal
