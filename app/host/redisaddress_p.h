// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QString>

#include <optional>

namespace WsPlug::Internal {

//! Where the cluster's Redis is: parsed from "redis://HOST[:PORT][/DB]". No I/O.
struct WSPLUG_EXPORT RedisAddress
{
    QString host;
    quint16 port = 6379;
    int db = 0;

    //! The address in \a url, or nullopt with a one-line \a why.
    static std::optional<RedisAddress> parse(const QString &url, QString *why);
    QString toString() const;
};

} // namespace WsPlug::Internal
