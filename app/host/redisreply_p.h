// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>

namespace WsPlug::Internal {

/*
 * A Redis reply as a plain value, copied out of hiredis's reply before its callback
 * returns: nothing of hiredis outlives the callback that handed it over. Also stands
 * for a failure of our own (timeout, connection lost) as an Error.
 */
struct RedisReply
{
    enum class Type { Nil, String, Status, Integer, Array, Error };

    Type type = Type::Nil;
    QByteArray string;        //!< String, Status, Error
    qint64 integer = 0;
    QList<RedisReply> elements;

    bool isError() const { return type == Type::Error; }
    static RedisReply error(const QByteArray &text)
    {
        RedisReply r;
        r.type = Type::Error;
        r.string = text;
        return r;
    }
    //! A bulk string or status as text; an integer as its digits.
    QByteArray text() const { return type == Type::Integer ? QByteArray::number(integer) : string; }
};

} // namespace WsPlug::Internal
