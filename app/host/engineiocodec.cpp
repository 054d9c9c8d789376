// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineiocodec_p.h"

#include "utf8validator_p.h"

#include <QRandomGenerator>

namespace WsPlug::Internal {

namespace {
constexpr char Separator = '\x1e';   // the v4 record separator between packets

bool isValidUtf8(const char *data, qsizetype size)
{
    Utf8Validator v;
    return v.feed(data, size) && v.isComplete();
}
} // namespace

QByteArray EngineIoCodec::errorBody(Error error)
{
    // engine.io's Server.errorMessages, word for word: clients match on them.
    static const char *const messages[] = {
        "Transport unknown", "Session ID unknown", "Bad handshake method",
        "Bad request", "Forbidden", "Unsupported protocol version",
    };
    return "{\"code\":" + QByteArray::number(int(error)) + ",\"message\":\"" + messages[int(error)] + "\"}";
}

EngineIoCodec::Query EngineIoCodec::parseQuery(const QByteArray &query)
{
    Query q;
    QByteArrayList rest;
    for (const QByteArray &item : query.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        const QByteArray key = QByteArray::fromPercentEncoding(eq < 0 ? item : item.left(eq));
        const QByteArray value = eq < 0 ? QByteArray() : QByteArray::fromPercentEncoding(item.mid(eq + 1));
        if (key == "EIO")
            q.eio = value;
        else if (key == "transport")
            q.transport = value;
        else if (key == "sid")
            q.sid = value;
        else if (key != "t" && key != "b64")   // the cache-buster and v3's base64 flag
            rest.append(item);
    }
    q.userQuery = QString::fromUtf8(rest.join('&'));
    return q;
}

std::optional<EngineIoCodec::Error> EngineIoCodec::checkQuery(const Query &query)
{
    // The order of engine.io's Server.verify().
    if (query.transport != "polling" && query.transport != "websocket")
        return UnknownTransport;
    if (query.eio != "4")
        return UnsupportedProtocolVersion;
    return std::nullopt;
}

bool EngineIoCodec::splitPath(const QString &path, QString *base)
{
    static const QLatin1String suffix("/engine.io");
    QStringView p(path);
    if (p.endsWith(QLatin1Char('/')))
        p.chop(1);
    if (!p.endsWith(suffix))
        return false;
    p.chop(suffix.size());
    *base = p.isEmpty() ? QStringLiteral("/") : p.toString();
    return true;
}

void EngineIoCodec::appendToPayload(QByteArray &payload, const EngineIoPacket &packet)
{
    if (!payload.isEmpty())
        payload += Separator;
    if (packet.binary) {
        payload += 'b';
        payload += packet.data.toBase64();
    } else {
        payload += char(packet.type);
        payload += packet.data;
    }
}

QByteArray EngineIoCodec::encodePayload(const QList<EngineIoPacket> &packets)
{
    QByteArray payload;
    for (const EngineIoPacket &p : packets)
        appendToPayload(payload, p);
    return payload;
}

QByteArray EngineIoCodec::encodeText(const EngineIoPacket &packet)
{
    return char(packet.type) + packet.data;
}

bool EngineIoCodec::decodePayload(const QByteArray &body, qint64 maxMessageBytes, QList<EngineIoPacket> *packets,
                                  QByteArray *why)
{
    packets->clear();
    qsizetype from = 0;
    while (from <= body.size()) {
        qsizetype end = body.indexOf(Separator, from);
        if (end < 0)
            end = body.size();
        const qsizetype size = end - from;
        const char *data = body.constData() + from;
        from = end + 1;
        if (size == 0) {
            *why = "empty packet";
            return false;
        }
        EngineIoPacket p;
        if (data[0] == 'b') {
            const auto decoded = QByteArray::fromBase64Encoding(QByteArray(data + 1, size - 1),
                                                                QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                *why = "binary packet that is not base64";
                return false;
            }
            p.type = EngineIoPacket::Message;
            p.binary = true;
            p.data = *decoded;
        } else {
            // What a client may send: close, ping (v3 clients), pong, message, noop. Open
            // and upgrade never come by polling.
            switch (data[0]) {
            case EngineIoPacket::Close: case EngineIoPacket::Ping: case EngineIoPacket::Pong:
            case EngineIoPacket::Message: case EngineIoPacket::Noop:
                break;
            default:
                *why = "unknown packet type";
                return false;
            }
            if (!isValidUtf8(data + 1, size - 1)) {
                *why = "text that is not UTF-8";
                return false;
            }
            p.type = EngineIoPacket::Type(data[0]);
            p.data = QByteArray(data + 1, size - 1);
        }
        if (p.data.size() > maxMessageBytes) {
            *why = "message larger than " + QByteArray::number(maxMessageBytes) + " bytes";
            return false;
        }
        packets->append(std::move(p));
    }
    return true;
}

std::optional<EngineIoPacket> EngineIoCodec::decodeText(const QByteArray &text)
{
    if (text.isEmpty() || text.at(0) < EngineIoPacket::Open || text.at(0) > EngineIoPacket::Noop)
        return std::nullopt;
    EngineIoPacket p;
    p.type = EngineIoPacket::Type(text.at(0));
    p.data = text.mid(1);
    return p;
}

QByteArray EngineIoCodec::openJson(const QByteArray &sid, bool canUpgrade, int pingIntervalMs, int pingTimeoutMs,
                                   qint64 maxPayload)
{
    // Field order as engine.io writes it.
    return "{\"sid\":\"" + sid + "\",\"upgrades\":" + (canUpgrade ? "[\"websocket\"]" : "[]")
            + ",\"pingInterval\":" + QByteArray::number(pingIntervalMs)
            + ",\"pingTimeout\":" + QByteArray::number(pingTimeoutMs)
            + ",\"maxPayload\":" + QByteArray::number(maxPayload) + '}';
}

QByteArray EngineIoCodec::newSid()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), 15)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace WsPlug::Internal
