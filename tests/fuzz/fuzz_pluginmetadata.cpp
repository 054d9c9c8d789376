// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Plugin metadata (PluginMetadata::fromPluginMetaData). The first byte chooses how
// the rest, a JSON document, becomes the object QPluginLoader::metaData() returns:
// as its "MetaData" under the right IID (to get past the IID check), under a wrong
// one, or as the whole object.

#include <wsplug/pluginregistry.h>
#include <wsplug/sdk/messagehandlerinterface.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArray json(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    QJsonObject qtMetaData;
    switch (data[0] % 3) {
    case 0:
        qtMetaData.insert(QLatin1String("IID"), QLatin1String(WsPlugMessageHandlerInterface_iid));
        qtMetaData.insert(QLatin1String("MetaData"), doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()));
        break;
    case 1:
        qtMetaData.insert(QLatin1String("IID"), QLatin1String("org.example.Other/1.0"));
        qtMetaData.insert(QLatin1String("MetaData"), doc.object());
        break;
    default:
        qtMetaData = doc.object();
        break;
    }
    WsPlug::PluginMetadata md;
    QString error;
    if (!WsPlug::PluginMetadata::fromPluginMetaData(qtMetaData, &md, &error)) {
        if (error.isEmpty())
            std::abort();
        return 0;
    }
    if (md.id.isEmpty() || md.routes.isEmpty())
        std::abort();
    for (const QString &route : std::as_const(md.routes)) {
        if (!route.startsWith(QLatin1Char('/')))
            std::abort();
    }
    return 0;
}
