// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "requesthead_p.h"

#include <QCryptographicHash>
#include <QUrlQuery>

#include <cstring>

namespace WsPlug::Internal {

namespace {

bool isTokenChar(char c)
{
    // RFC 9110 5.6.2 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

} // namespace

bool RequestHead::isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

namespace {

bool hasControlChars(QByteArrayView s)
{
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f)
            return true;
    }
    return false;
}

//! \a s without the ASCII white space QByteArray::trimmed() removes at either end.
QByteArrayView trimmed(QByteArrayView s)
{
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; };
    qsizetype from = 0, to = s.size();
    while (from < to && space(s.at(from)))
        ++from;
    while (to > from && space(s.at(to - 1)))
        --to;
    return s.sliced(from, to - from);
}

} // namespace

qsizetype RequestHead::headLength(const QByteArray &data)
{
    const qsizetype end = data.indexOf("\r\n\r\n");
    return end < 0 ? -1 : end + 4;
}

bool RequestHead::parse(const QByteArray &head, QByteArray *errorReason)
{
    auto fail = [errorReason](const char *why) {
        if (errorReason)
            *errorReason = why;
        return false;
    };
    *this = RequestHead();
    if (!head.endsWith("\r\n\r\n"))
        return fail("request head does not end with an empty line");

    // Lines are scanned in place (views into head); only what is kept is copied. Every
    // line before the final empty one must end with CRLF.
    const char *const data = head.constData();
    const qsizetype linesEnd = head.size() - 2;   // the final empty line's CRLF
    auto lineAt = [data, linesEnd](qsizetype from, qsizetype *next) {
        // head ends with "\r\n\r\n": a '\n' is always found before linesEnd.
        const auto *lf = static_cast<const char *>(std::memchr(data + from, '\n', size_t(linesEnd - from)));
        *next = lf - data + 1;
        return QByteArrayView(data + from, lf - data - from);
    };
    for (qsizetype at = 0, next = 0; at < linesEnd; at = next) {
        const QByteArrayView line = lineAt(at, &next);
        if (line.isEmpty() || line.back() != '\r')
            return fail("request line or header not ended by CRLF");
    }

    qsizetype next = 0;
    const QByteArrayView requestLine = lineAt(0, &next).chopped(1);
    const qsizetype sp1 = requestLine.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
    if (sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0)
        return fail("malformed request line");
    m_method = requestLine.first(sp1).toByteArray();
    m_target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
    const QByteArrayView version = requestLine.sliced(sp2 + 1);
    if (!isToken(m_method))
        return fail("malformed method");
    // HTTP/1.0 is read for the host's plain endpoints (health checkers speak it); it
    // can never upgrade (checkWebSocketHandshake()).
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return fail("not an HTTP/1.1 or HTTP/1.0 request");
    m_http10 = version == "HTTP/1.0";
    if (!m_target.startsWith('/') || hasControlChars(m_target))
        return fail("request target must be an absolute path");
    const qsizetype q = m_target.indexOf('?');
    m_path = q < 0 ? m_target : m_target.left(q);
    m_query = q < 0 ? QByteArray() : m_target.mid(q + 1);
    const qsizetype fragment = m_query.indexOf('#');
    if (fragment >= 0 || m_path.contains('#'))
        return fail("request target must not have a fragment");

    for (qsizetype at = next; at < linesEnd; at = next) {
        const QByteArrayView line = lineAt(at, &next).chopped(1);
        if (line.startsWith(' ') || line.startsWith('\t'))
            return fail("obsolete header line folding");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return fail("malformed header line");
        const QByteArrayView name = line.first(colon);
        if (!isToken(name))
            return fail("malformed header name");
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        if (hasControlChars(value))
            return fail("control character in header value");
        if (m_headers.size() >= MaxHeaders)
            return fail("too many headers");
        m_headers.append({name.toByteArray(), value.toByteArray()});
    }
    if (!m_http10 && !hasHeader("Host"))
        return fail("missing Host header");   // RFC 9112 3.2: required in HTTP/1.1
    return true;
}

QByteArray RequestHead::header(const QByteArray &name) const
{
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool RequestHead::hasHeader(const QByteArray &name) const
{
    for (const auto &header : m_headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool RequestHead::headerHasToken(const QByteArray &name, const QByteArray &token) const
{
    // A header may be repeated; every occurrence is part of the same list (RFC 9110 5.3).
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (QByteArrayView rest(value);;) {
            const qsizetype comma = rest.indexOf(',');
            const QByteArrayView item = trimmed(comma < 0 ? rest : rest.first(comma));
            if (qstrnicmp(item.data(), item.size(), token.constData(), token.size()) == 0)
                return true;
            if (comma < 0)
                break;
            rest = rest.sliced(comma + 1);
        }
    }
    return false;
}

QList<QByteArray> RequestHead::headerList(const QByteArray &name) const
{
    QList<QByteArray> items;
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &item : value.split(',')) {
            const QByteArray trimmed = item.trimmed();
            if (!trimmed.isEmpty())
                items.append(trimmed);
        }
    }
    return items;
}

bool RequestHead::isWebSocketUpgrade() const
{
    return headerHasToken("Upgrade", "websocket");
}

int RequestHead::checkWebSocketHandshake(QByteArray *reason) const
{
    auto refuse = [reason](int status, const char *why) {
        if (reason)
            *reason = why;
        return status;
    };
    if (m_method != "GET")
        return refuse(405, "a WebSocket handshake must be a GET request");
    if (m_http10)
        return refuse(400, "a WebSocket upgrade needs HTTP/1.1");
    if (!isWebSocketUpgrade())
        return refuse(400, "not a WebSocket upgrade (Upgrade: websocket missing)");
    if (!headerHasToken("Connection", "upgrade"))
        return refuse(400, "not a WebSocket upgrade (Connection: Upgrade missing)");
    const QByteArray versionValue = header("Sec-WebSocket-Version");
    if (versionValue.isEmpty())
        return refuse(426, "missing Sec-WebSocket-Version");
    if (versionValue != "13")
        return refuse(426, "unsupported Sec-WebSocket-Version (this server speaks 13)");
    const QByteArray key = header("Sec-WebSocket-Key");
    if (key.isEmpty())
        return refuse(400, "missing Sec-WebSocket-Key");
    const auto decoded = QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
    if (key.size() != 24 || !decoded || decoded.decoded.size() != 16)
        return refuse(400, "Sec-WebSocket-Key is not 16 bytes in base64");
    return 0;
}

QByteArray httpReasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

QByteArray refusalResponse(int status, const QByteArray &reason, const QByteArray &allow)
{
    const QByteArray body = reason + '\n';
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + httpReasonPhrase(status) + "\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: " + QByteArray::number(body.size()) + "\r\n"
            "Connection: close\r\n";
    if (status == 405)
        response += "Allow: " + (allow.isEmpty() ? QByteArray("GET") : allow) + "\r\n";
    if (status == 401)
        response += "WWW-Authenticate: Bearer\r\n";
    if (status == 426)
        response += "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    if (status == 429 || status == 503)
        response += "Retry-After: 5\r\n";
    return response + "\r\n" + body;
}

QByteArray upgradeResponse(const QByteArray &key, const QByteArray &subprotocol, const QByteArray &extensions)
{
    // RFC 6455 1.3: the key and this GUID, hashed with SHA-1, in base64.
    static const QByteArray Guid = QByteArrayLiteral("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    QByteArray response = "HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: "
            + QCryptographicHash::hash(QByteArray(key + Guid), QCryptographicHash::Sha1).toBase64() + "\r\n";
    if (!subprotocol.isEmpty())
        response += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
    if (!extensions.isEmpty())
        response += "Sec-WebSocket-Extensions: " + extensions + "\r\n";
    return response + "Server: wsplug/" WSPLUG_VERSION "\r\n\r\n";
}

QByteArray withoutBody(const QByteArray &response)
{
    const qsizetype end = response.indexOf("\r\n\r\n");
    return end < 0 ? response : response.left(end + 4);
}

QByteArray RequestHead::bearerCredential() const
{
    const QByteArray authorization = header("Authorization");
    if (authorization.size() > 7 && authorization.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        return authorization.mid(7).trimmed();
    return QUrlQuery(QString::fromUtf8(m_query)).queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8();
}

void RequestHead::maskQueryParameter(QByteArray &text, qsizetype from, qsizetype to, QByteArrayView key)
{
    for (qsizetype at = from; at < to;) {
        qsizetype end = text.indexOf('&', at);
        if (end < 0 || end > to)
            end = to;
        const qsizetype equals = text.indexOf('=', at);
        if (equals >= 0 && equals < end && QByteArray::fromPercentEncoding(text.mid(at, equals - at)) == key) {
            for (qsizetype i = equals + 1; i < end; ++i)
                text[i] = '*';
        }
        at = end + 1;
    }
}

} // namespace WsPlug::Internal
