// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The Engine.IO polling payload parser (a POST body, straight from the client) and the
// query parser on any bytes. Besides memory errors it checks that whatever decodes
// encodes back to a payload that decodes to the same packets, and that no message
// passes the size limit.

#include "engineiocodec_p.h"

#include <cstdint>
#include <cstdlib>

using namespace WsPlug::Internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));
    constexpr qint64 Limit = 4096;
    QList<EngineIoPacket> packets;
    QByteArray why;
    if (EngineIoCodec::decodePayload(body, Limit, &packets, &why)) {
        if (packets.isEmpty())
            std::abort();
        for (const EngineIoPacket &p : packets) {
            if (p.data.size() > Limit)
                std::abort();
        }
        QList<EngineIoPacket> again;
        if (!EngineIoCodec::decodePayload(EngineIoCodec::encodePayload(packets), Limit, &again, &why)
            || again.size() != packets.size())
            std::abort();
        for (qsizetype i = 0; i < packets.size(); ++i) {
            if (again.at(i).type != packets.at(i).type || again.at(i).binary != packets.at(i).binary
                || again.at(i).data != packets.at(i).data)
                std::abort();
        }
    } else if (why.isEmpty()) {
        std::abort();
    }
    const EngineIoCodec::Query query = EngineIoCodec::parseQuery(body);
    (void)EngineIoCodec::checkQuery(query);
    QString base;
    (void)EngineIoCodec::splitPath(QString::fromUtf8(body), &base);
    (void)EngineIoCodec::decodeText(body);
    return 0;
}
