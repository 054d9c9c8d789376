// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/protocol/adminprotocol.h>

#include "jsonfields_p.h"

#include <QtEndian>

// The frame inspector's values: frame headers as RFC 6455 5.2 lays them out, and the
// "frames" message.
namespace WsPlug::Protocol {

using Json::key;

bool parseFrameHeader(const QByteArray &bytes, FrameHeader *h)
{
    if (bytes.size() < 2)
        return false;
    const auto *b = reinterpret_cast<const uchar *>(bytes.constData());
    FrameHeader out;
    out.fin = b[0] & 0x80;
    out.rsv = (b[0] >> 4) & 0x7;
    out.opcode = b[0] & 0x0F;
    out.masked = b[1] & 0x80;
    const int length7 = b[1] & 0x7F;
    int at = 2;
    if (length7 == 126) {
        if (bytes.size() < 4)
            return false;
        out.lengthBits = 16;
        out.payloadLength = qFromBigEndian<quint16>(b + 2);
        at = 4;
    } else if (length7 == 127) {
        if (bytes.size() < 10)
            return false;
        out.lengthBits = 64;
        out.payloadLength = qFromBigEndian<quint64>(b + 2);
        at = 10;
    } else {
        out.payloadLength = quint64(length7);
    }
    if (out.masked) {
        if (bytes.size() < at + 4)
            return false;
        out.maskingKey = bytes.mid(at, 4);
        at += 4;
    }
    out.size = at;
    *h = out;
    return true;
}

QString opcodeName(int opcode)
{
    switch (opcode) {
    case 0x0: return QStringLiteral("continuation");
    case 0x1: return QStringLiteral("text");
    case 0x2: return QStringLiteral("binary");
    case 0x8: return QStringLiteral("close");
    case 0x9: return QStringLiteral("ping");
    case 0xA: return QStringLiteral("pong");
    default: return QStringLiteral("reserved (0x%1)").arg(opcode, 1, 16);
    }
}

bool isNonMinimalLength(const FrameHeader &h)
{
    return (h.lengthBits == 16 && h.payloadLength < 126) || (h.lengthBits == 64 && h.payloadLength <= 0xFFFF);
}

bool isCompressedMessage(const FrameRecord &f, const FrameHeader &h)
{
    return f.deflate && h.rsv == 4 && (h.opcode == 0x1 || h.opcode == 0x2);
}

QJsonObject toJson(const FrameRecord &f)
{
    // The decoded fields travel beside the header bytes, for readers without a parser
    // (a script, the docs); the monitor reads the bytes.
    FrameHeader h;
    parseFrameHeader(f.header, &h);
    QJsonObject o{{key("session"), double(f.session)},
                  {key("route"), f.route},
                  {key("t"), double(f.timeUs)},
                  {key("dir"), f.direction == Direction::ClientToHost ? key("in") : key("out")},
                  {key("header"), QString::fromLatin1(f.header.toHex())},
                  {key("fin"), h.fin},
                  {key("rsv"), h.rsv},
                  {key("opcode"), h.opcode},
                  {key("masked"), h.masked},
                  {key("lengthBits"), h.lengthBits},
                  {key("length"), double(f.payloadLength)},
                  {key("payload"), QString::fromLatin1(f.payload.toBase64())}};
    if (h.masked)
        o.insert(key("key"), QString::fromLatin1(h.maskingKey.toHex()));
    if (f.fragment >= 0) {
        o.insert(key("message"), double(f.message));
        o.insert(key("fragment"), f.fragment);
    }
    if (f.deflate)
        o.insert(key("deflate"), true);
    if (f.inflatedLength >= 0) {
        o.insert(key("inflated"), QString::fromLatin1(f.inflated.toBase64()));
        o.insert(key("inflatedLength"), double(f.inflatedLength));
    }
    return o;
}

FrameRecord frameFromJson(const QJsonObject &o)
{
    FrameRecord f;
    f.session = SessionId(o.value(key("session")).toDouble());
    f.route = o.value(key("route")).toString();
    f.timeUs = qint64(o.value(key("t")).toDouble());
    f.direction = o.value(key("dir")).toString() == QLatin1String("out") ? Direction::HostToClient
                                                                         : Direction::ClientToHost;
    f.header = QByteArray::fromHex(o.value(key("header")).toString().toLatin1());
    f.payloadLength = quint64(o.value(key("length")).toDouble());
    f.payload = QByteArray::fromBase64(o.value(key("payload")).toString().toLatin1());
    if (o.contains(key("fragment"))) {
        f.message = quint64(o.value(key("message")).toDouble());
        f.fragment = o.value(key("fragment")).toInt(-1);
    }
    f.deflate = o.value(key("deflate")).toBool();
    if (o.contains(key("inflatedLength"))) {
        f.inflated = QByteArray::fromBase64(o.value(key("inflated")).toString().toLatin1());
        f.inflatedLength = qint64(o.value(key("inflatedLength")).toDouble());
    }
    return f;
}

QJsonObject toJson(const FramesReport &r)
{
    QJsonArray frames;
    for (const FrameRecord &f : r.frames)
        frames.append(toJson(f));
    QJsonObject o{{key("type"), key(TypeFrames)}, {key("frames"), frames}};
    if (!r.omitted.isEmpty()) {
        QJsonArray omitted;
        for (const FrameOmission &m : r.omitted) {
            omitted.append(QJsonObject{{key("session"), double(m.session)},
                                       {key("frames"), double(m.frames)},
                                       {key("bytes"), double(m.payloadBytes)}});
        }
        o.insert(key("omitted"), omitted);
    }
    return o;
}

FramesReport framesFromJson(const QJsonObject &o)
{
    FramesReport r;
    const QJsonArray frames = o.value(key("frames")).toArray();
    r.frames.reserve(frames.size());
    for (const QJsonValue &v : frames)
        r.frames.append(frameFromJson(v.toObject()));
    for (const QJsonValue &v : o.value(key("omitted")).toArray()) {
        const QJsonObject m = v.toObject();
        r.omitted.append({SessionId(m.value(key("session")).toDouble()), quint64(m.value(key("frames")).toDouble()),
                          quint64(m.value(key("bytes")).toDouble())});
    }
    return r;
}

} // namespace WsPlug::Protocol
