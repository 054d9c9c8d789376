// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "permessagedeflate_p.h"

#include <algorithm>
#include <memory>

#include <zlib.h>

namespace WsPlug::Internal::PerMessageDeflate {

namespace {

//! One extension offer's parameters: name and value (unquoted), or a parse failure.
struct Offer
{
    QByteArray name;
    QList<QPair<QByteArray, QByteArray>> params;   // name (lower case), value (unquoted)
    QList<bool> hasValue;                           // per parameter: "=value" was given
    bool ok = true;
};

bool isTokenChar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

//! A token, or a quoted string whose content must itself be a token (RFC 6455 9.1).
bool readValue(QByteArray text, QByteArray *value)
{
    text = text.trimmed();
    if (text.size() >= 2 && text.startsWith('"') && text.endsWith('"'))
        text = text.mid(1, text.size() - 2);
    if (text.isEmpty())
        return false;
    for (char c : std::as_const(text)) {
        if (!isTokenChar(c))
            return false;
    }
    *value = text;
    return true;
}

Offer parseOffer(const QByteArray &item)
{
    Offer offer;
    const QList<QByteArray> parts = item.split(';');
    offer.name = parts.first().trimmed();
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray part = parts.at(i).trimmed();
        const qsizetype eq = part.indexOf('=');
        const QByteArray name = (eq < 0 ? part : part.left(eq)).trimmed();
        QByteArray value;
        if (name.isEmpty() || (eq >= 0 && !readValue(part.mid(eq + 1), &value))) {
            offer.ok = false;
            return offer;
        }
        offer.params.append({name.toLower(), value});
        offer.hasValue.append(eq >= 0);
    }
    return offer;
}

//! 8-15 as RFC 7692 7.1.2 writes it (1*DIGIT, no leading zero), else 0.
int windowBits(const QByteArray &value)
{
    if (value.size() == 1 && value.at(0) >= '8' && value.at(0) <= '9')
        return value.at(0) - '0';
    if (value.size() == 2 && value.at(0) == '1' && value.at(1) >= '0' && value.at(1) <= '5')
        return 10 + value.at(1) - '0';
    return 0;
}

Agreement accept(const Offer &offer)
{
    int serverBits = 15;
    bool requestedServerBits = false;
    QList<QByteArray> seen;
    for (qsizetype i = 0; i < offer.params.size(); ++i) {
        const auto &[name, value] = offer.params.at(i);
        const bool hasValue = offer.hasValue.at(i);
        if (seen.contains(name))
            return {};   // 7.1: a parameter given twice declines the offer
        seen.append(name);
        if (name == "server_no_context_takeover" || name == "client_no_context_takeover") {
            if (hasValue)
                return {};
        } else if (name == "server_max_window_bits") {
            serverBits = hasValue ? windowBits(value) : 0;
            // zlib's raw deflate does not write a 256-byte window (it makes it 512).
            if (serverBits < 9)
                return {};
            requestedServerBits = true;
        } else if (name == "client_max_window_bits") {
            // The client may use a smaller window; the host inflates with the largest,
            // which reads any. It answers without the parameter (7.1.2.2).
            if (hasValue && windowBits(value) == 0)
                return {};
        } else {
            return {};   // unknown
        }
    }
    // No context takeover either way, whether the client asked or not (7.1.1.1 and
    // 7.1.1.2 let the server ask for both): so nothing lives between messages.
    Agreement a;
    a.serverWindowBits = serverBits;
    a.response = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    if (requestedServerBits)
        a.response += "; server_max_window_bits=" + QByteArray::number(serverBits);
    return a;
}

struct Inflater
{
    z_stream z{};
    bool ready = false;
    ~Inflater()
    {
        if (ready)
            inflateEnd(&z);
    }
};

struct Deflater
{
    z_stream z{};
    int bits = 0;
    ~Deflater()
    {
        if (bits)
            deflateEnd(&z);
    }
};

} // namespace

Agreement negotiate(const QList<QByteArray> &offers)
{
    for (const QByteArray &item : offers) {
        const Offer offer = parseOffer(item);
        if (!offer.ok || offer.name.compare("permessage-deflate", Qt::CaseInsensitive) != 0)
            continue;
        const Agreement a = accept(offer);
        if (a.serverWindowBits)
            return a;
    }
    return {};
}

bool validSetting(const QString &entry)
{
    const qsizetype eq = entry.lastIndexOf(QLatin1Char('='));
    const QString value = eq < 0 ? entry : entry.mid(eq + 1);
    return (value == QLatin1String("on") || value == QLatin1String("off"))
           && (eq < 0 || entry.startsWith(QLatin1Char('/')));
}

bool enabledFor(const QStringList &settings, const QString &route)
{
    bool general = false;
    int own = -1;
    for (const QString &entry : settings) {
        const qsizetype eq = entry.lastIndexOf(QLatin1Char('='));
        const bool on = entry.endsWith(QLatin1String("on"));
        if (eq < 0)
            general = on;
        else if (QStringView(entry).left(eq) == route)
            own = on;
    }
    return own >= 0 ? own == 1 : general;
}

InflateResult inflate(const QByteArray &compressed, qint64 limit, QByteArray *out)
{
    static thread_local Inflater inflater;
    z_stream &z = inflater.z;
    if (!inflater.ready) {
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
            return InflateResult::Corrupt;
        inflater.ready = true;
    } else {
        inflateReset(&z);
    }
    static const char tail[4] = {0x00, 0x00, char(0xff), char(0xff)};
    // The output grows in steps, never past limit + 1 (one byte over tells a bomb).
    out->clear();
    qsizetype have = 0;
    bool ended = false;
    for (int part = 0; part < 2 && !ended; ++part) {
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(part == 0 ? compressed.constData() : tail));
        z.avail_in = uInt(part == 0 ? compressed.size() : 4);
        // Until the input is used up and zlib had room to spare (else it may hold more).
        while (z.avail_in > 0 || have == out->size()) {
            if (have == out->size()) {
                const qint64 room = limit + 1 - have;
                if (room <= 0) {
                    out->clear();
                    return InflateResult::TooBig;
                }
                out->resize(have + qsizetype(std::min<qint64>(room, std::max<qsizetype>(4096, have))));
            }
            z.next_out = reinterpret_cast<Bytef *>(out->data() + have);
            z.avail_out = uInt(out->size() - have);
            const int rc = ::inflate(&z, Z_SYNC_FLUSH);
            have = out->size() - qsizetype(z.avail_out);
            if (rc == Z_STREAM_END) {
                ended = true;   // a final block (BFINAL): what follows is not read
                break;
            }
            if (rc == Z_BUF_ERROR && z.avail_in == 0)
                break;   // all read, nothing more to write
            if (rc != Z_OK) {
                out->clear();
                return InflateResult::Corrupt;
            }
        }
    }
    if (have > limit) {
        out->clear();
        return InflateResult::TooBig;
    }
    // A message ends on a block boundary (the sender's sync flush, whose empty stored
    // block we appended, RFC 7692 7.2.2): zlib then waits for the next block's header
    // (data_type bit 128). Anything else is cut-off data, not a shorter message.
    if (!ended && !(z.data_type & 128)) {
        out->clear();
        return InflateResult::Corrupt;
    }
    out->resize(have);
    return InflateResult::Ok;
}

QByteArray deflate(const QByteArray &payload, int windowBits)
{
    static thread_local std::unique_ptr<Deflater> deflaters[16];
    std::unique_ptr<Deflater> &d = deflaters[qBound(9, windowBits, 15)];
    if (!d) {
        d = std::make_unique<Deflater>();
        // Level 1: on a 16 KiB JSON message it is 4 % bigger than zlib's default (6)
        // and takes half the time (docs/performance.md); memLevel 8 as zlib's default.
        if (deflateInit2(&d->z, Z_BEST_SPEED, Z_DEFLATED, -qBound(9, windowBits, 15), 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            d.reset();
            return {};
        }
        d->bits = windowBits;
    } else {
        deflateReset(&d->z);
    }
    z_stream &z = d->z;
    // Compressed smaller than the payload or not at all: 'payload.size()' is the room.
    QByteArray out(payload.size() + 4, Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(payload.constData()));
    z.avail_in = uInt(payload.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    const int rc = ::deflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK || z.avail_in > 0 || z.avail_out == 0)
        return {};   // no room left: it did not get smaller (or zlib failed)
    qsizetype size = out.size() - qsizetype(z.avail_out);
    // A sync flush ends with 00 00 ff ff, which the message leaves off.
    if (size < 4 || !out.left(size).endsWith(QByteArrayView("\x00\x00\xff\xff", 4)))
        return {};
    size -= 4;
    if (size >= payload.size())
        return {};
    out.truncate(size);
    return out;
}

} // namespace WsPlug::Internal::PerMessageDeflate
