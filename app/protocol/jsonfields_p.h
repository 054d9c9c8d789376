// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/types.h>

#include "jsonwriter_p.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

// The small pieces every JSON conversion of the admin protocol uses (json.cpp,
// messages.cpp, frames.cpp). Numbers travel as JSON doubles: exact up to 2^53, far
// beyond any counter or id a host reaches.
namespace WsPlug::Protocol::Json {

inline QString key(const char *name)
{
    return QLatin1String(name);
}

inline QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

inline QDateTime fromIso(const QJsonValue &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
}

inline quint64 u64(const QJsonObject &o, const char *name)
{
    return quint64(o.value(key(name)).toDouble());
}

// Raw heads may hold any byte; latin-1 keeps every byte as one code point, so the
// bytes survive JSON exactly (base64 would hide them from a reader of the wire).
inline QString bytesToJson(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes);
}

inline QByteArray bytesFromJson(const QJsonValue &v)
{
    return v.toString().toLatin1();
}

template <typename T, typename Encode>
QJsonArray arrayOf(const QList<T> &list, Encode encode)
{
    QJsonArray a;
    for (const T &item : list)
        a.append(encode(item));
    return a;
}

template <typename T, typename Decode>
QList<T> listOf(const QJsonValue &array, Decode decode)
{
    QList<T> list;
    const QJsonArray a = array.toArray();
    list.reserve(a.size());
    for (const QJsonValue &v : a)
        list.append(decode(v.toObject()));
    return list;
}

} // namespace WsPlug::Protocol::Json

namespace WsPlug::Protocol {

// The values written per session (json.cpp), for the messages that carry many of them.
void write(Json::JsonWriter &w, const SessionSnapshot &session);
void write(Json::JsonWriter &w, const HandshakeRecord &record);
void write(Json::JsonWriter &w, const CounterUpdate &update);

} // namespace WsPlug::Protocol
