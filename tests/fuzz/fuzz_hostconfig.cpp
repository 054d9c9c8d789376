// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Config files (HostConfig::loadJson): anything accepted must validate, and anything
// refused must say why in one line and leave the config untouched.

#include <wsplug/hostconfig.h>

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    WsPlug::HostConfig config;
    const WsPlug::HostConfig before = config;
    QString error;
    if (config.loadJson(input, &error)) {
        QString invalid;
        if (!config.validate(&invalid))
            std::abort();
        return 0;
    }
    if (error.isEmpty() || error.contains(QLatin1Char('\n')))
        std::abort();
    if (config.port != before.port || config.address != before.address || config.pluginDirs != before.pluginDirs
        || config.maxConnections != before.maxConnections || config.maxMessageBytes != before.maxMessageBytes
        || config.pluginSettings != before.pluginSettings)
        std::abort();
    return 0;
}
