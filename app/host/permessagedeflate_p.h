// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace WsPlug::Internal {

/*
 * permessage-deflate (RFC 7692), always without context takeover in either direction:
 * every message is compressed and inflated on its own, so a connection holds no zlib
 * state between messages. One inflater and one deflater per thread are reset for each
 * message (an idle connection costs nothing; 2,000 connections with their own streams
 * would hold hundreds of MB). No I/O.
 */
namespace PerMessageDeflate {

//! The outcome of negotiating an offer.
struct Agreement
{
    int serverWindowBits = 0;   //!< 0: not agreed; else the window the server compresses with (9-15)
    QByteArray response;        //!< the Sec-WebSocket-Extensions value to answer with
};

/*! Reads the client's offers (\a offers: the items of every Sec-WebSocket-Extensions
    header, as RequestHead::headerList() gives them) and accepts the first
    permessage-deflate offer the host can honour (RFC 7692 7.1). An offer it cannot
    honour (an unknown or repeated parameter, a bad value, server_max_window_bits=8,
    which zlib does not produce) is passed over, never refused. */
WSPLUG_EXPORT Agreement negotiate(const QList<QByteArray> &offers);

//! Whether deflate is offered on \a route by the --deflate entries \a settings
//! ("on", "off", "/route=on", "/route=off"; a route's own entry wins, then the last
//! general one; default off).
WSPLUG_EXPORT bool enabledFor(const QStringList &settings, const QString &route);
//! True if every entry is one of those forms.
WSPLUG_EXPORT bool validSetting(const QString &entry);

enum class InflateResult { Ok, TooBig, Corrupt };
/*! Inflates one message's \a compressed payload (RFC 7692 7.2.2: the tail 00 00 ff ff
    appended) into \a out, which never grows past \a limit bytes: a bigger message stops
    there with TooBig (a compression bomb is refused, not allocated). */
WSPLUG_EXPORT InflateResult inflate(const QByteArray &compressed, qint64 limit, QByteArray *out);

/*! Compresses one message with a window of \a windowBits (9-15) and the tail
    00 00 ff ff taken off (RFC 7692 7.2.1). Empty if compressing would not make it
    smaller. */
WSPLUG_EXPORT QByteArray deflate(const QByteArray &payload, int windowBits);

//! Messages smaller than this go uncompressed (RSV1 clear): the few bytes deflate could
//! save do not pay for the work.
constexpr qsizetype MinCompressBytes = 256;

} // namespace PerMessageDeflate

} // namespace WsPlug::Internal
