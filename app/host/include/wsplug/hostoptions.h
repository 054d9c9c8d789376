// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>
#include <wsplug/wsplug_export.h>

#include <QCommandLineOption>
#include <QJsonObject>
#include <QList>

#include <memory>

class QCommandLineParser;

namespace WsPlug {

//! Prints "<application name>: <message>" on stderr and exits with \a code.
[[noreturn]] WSPLUG_EXPORT void exitWithError(const QString &message, int code);

/*
 * The host's command-line options, one table for every program that runs a host
 * (wsplug-host, and the monitor's embedded host): --config, --address,
 * --plugin-dir, --admin-token, --admin, --metrics, and a flag for each integer
 * setting of HostConfig::intSettings() that has one (ranges from the same table).
 */
class WSPLUG_EXPORT HostOptions
{
public:
    //! \a defaults are shown in --help and are where apply() starts. Keys of the
    //! config file listed in \a programKeys belong to the program, not the host.
    explicit HostOptions(const HostConfig &defaults, const QStringList &programKeys = {});
    ~HostOptions();

    void addTo(QCommandLineParser &parser) const;
    //! For --help, after the options: the settings only a config file sets, and the
    //! environment variables the host reads.
    QString configOnlyHelp() const;

    struct Result
    {
        HostConfig config;
        QJsonObject programSettings;   //!< the config file's programKeys
        QString error;                 //!< one line; empty on success
        int exitCode = 0;              //!< 2 for a usage error, 1 for an unreadable or bad file
    };
    //! defaults <- the config file <- $WSPLUG_ADMIN_TOKEN <- the flags, then validated.
    Result apply(const QCommandLineParser &parser) const;

private:
    struct Private;
    std::unique_ptr<Private> const d;
};

} // namespace WsPlug
