// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QStringView>

namespace WsPlug::Protocol::Json {

/*
 * Compact JSON text, written straight into one buffer: for what the host writes per
 * session (the admin channel's sessions, handshakes and counter updates, every tick).
 * Building a QJsonObject costs a sorted insert and a value conversion per key, then
 * QJsonDocument::toJson walks it again; with a monitor attached to a host at a few
 * thousand connections a second that was two thirds of the host's instructions per
 * connection (docs/performance.md). The output parses with QJsonDocument to the same
 * values the QJsonObject would hold.
 */
class JsonWriter
{
public:
    explicit JsonWriter(qsizetype reserve = 512) { m_out.reserve(reserve); }

    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }
    //! A key of the current object: \a name is a plain ASCII literal (never escaped).
    JsonWriter &key(const char *name);

    void value(QStringView text);
    void value(const QString &text) { value(QStringView(text)); }
    //! Bytes that may be anything (raw HTTP heads): each byte is one code point (latin-1).
    void latin1(const QByteArray &bytes);
    void value(bool b);
    void value(int n);
    void value(qint64 n);
    void value(quint64 n);
    //! As QJsonDocument writes a double: shortest round trip, null when not finite.
    void value(double d);
    //! ISO 8601 in UTC with milliseconds ("2026-12-06T21:30:00.000Z"), "" when invalid:
    //! what QDateTime::toString(Qt::ISODateWithMs) gives for a UTC time, without its cost.
    void time(const QDateTime &t);
    void null() { number("null"); }
    //! A value already encoded as compact JSON.
    void raw(const QByteArray &json) { number(json); }

    QByteArray take() { return std::move(m_out); }

private:
    void separate();
    void open(char c);
    void close(char c);
    void number(const QByteArray &text);
    void number(const char *text);
    template <typename Int>
    void integer(Int n);
    void utf16(QStringView text);

    QByteArray m_out;
    bool m_needComma = false;
    bool m_afterKey = false;
};

} // namespace WsPlug::Protocol::Json
