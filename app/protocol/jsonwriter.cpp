// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "jsonwriter_p.h"

#include <QLocale>

#include <charconv>
#include <cmath>

namespace WsPlug::Protocol::Json {

namespace {

const char Hex[] = "0123456789abcdef";

// Escapes what JSON requires (RFC 8259 7): the quote, the backslash, control characters.
void escapeAscii(QByteArray &out, char16_t c)
{
    switch (c) {
    case u'"': out += "\\\""; return;
    case u'\\': out += "\\\\"; return;
    case u'\b': out += "\\b"; return;
    case u'\f': out += "\\f"; return;
    case u'\n': out += "\\n"; return;
    case u'\r': out += "\\r"; return;
    case u'\t': out += "\\t"; return;
    default:
        break;
    }
    if (c < 0x20) {
        out += "\\u00";
        out += Hex[c >> 4];
        out += Hex[c & 0xf];
    } else {
        out += char(c);
    }
}

void appendUtf8(QByteArray &out, char32_t u)
{
    if (u < 0x80) {
        out += char(u);
    } else if (u < 0x800) {
        out += char(0xc0 | (u >> 6));
        out += char(0x80 | (u & 0x3f));
    } else if (u < 0x10000) {
        out += char(0xe0 | (u >> 12));
        out += char(0x80 | ((u >> 6) & 0x3f));
        out += char(0x80 | (u & 0x3f));
    } else {
        out += char(0xf0 | (u >> 18));
        out += char(0x80 | ((u >> 12) & 0x3f));
        out += char(0x80 | ((u >> 6) & 0x3f));
        out += char(0x80 | (u & 0x3f));
    }
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm).
void civilFromDays(qint64 days, qint64 *year, int *month, int *day)
{
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    *day = int(doy - (153 * mp + 2) / 5 + 1);
    *month = int(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

void twoDigits(char *p, int n)
{
    p[0] = char('0' + n / 10);
    p[1] = char('0' + n % 10);
}

} // namespace

void JsonWriter::separate()
{
    if (m_afterKey)
        m_afterKey = false;
    else if (m_needComma)
        m_out += ',';
    m_needComma = true;
}

void JsonWriter::open(char c)
{
    separate();
    m_out += c;
    m_needComma = false;
}

void JsonWriter::close(char c)
{
    m_out += c;
    m_needComma = true;
}

JsonWriter &JsonWriter::key(const char *name)
{
    separate();
    m_out += '"';
    m_out += name;
    m_out += "\":";
    m_afterKey = true;
    return *this;
}

void JsonWriter::number(const QByteArray &text)
{
    separate();
    m_out += text;
}

void JsonWriter::number(const char *text)
{
    separate();
    m_out += text;
}

template <typename Int>
void JsonWriter::integer(Int n)
{
    separate();
    char buf[24];
    const std::to_chars_result end = std::to_chars(buf, buf + sizeof buf, n);
    m_out.append(buf, end.ptr - buf);
}

void JsonWriter::value(int n)
{
    integer(n);
}

void JsonWriter::value(qint64 n)
{
    integer(n);
}

void JsonWriter::value(quint64 n)
{
    integer(n);
}

void JsonWriter::value(bool b)
{
    number(b ? "true" : "false");
}

void JsonWriter::value(double d)
{
    if (!std::isfinite(d))
        return null();
    // Integral values as integers, as QJsonDocument writes them (exact up to 2^53).
    if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0)
        return integer(qint64(d));
    number(QByteArray::number(d, 'g', QLocale::FloatingPointShortest));
}

void JsonWriter::value(QStringView text)
{
    separate();
    utf16(text);
}

namespace {

// Printable ASCII other than the quote and the backslash goes out as it is.
inline bool isPlain(unsigned c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

} // namespace

void JsonWriter::utf16(QStringView text)
{
    m_out += '"';
    const char16_t *p = text.utf16();
    const char16_t *end = p + text.size();
    while (p < end) {
        // Most text is plain ASCII: copy each run of it at once.
        const char16_t *run = p;
        while (p < end && isPlain(*p))
            ++p;
        if (p != run) {
            const qsizetype at = m_out.size();
            m_out.resize(at + (p - run));
            char *out = m_out.data() + at;
            for (const char16_t *q = run; q < p; ++q)
                *out++ = char(*q);
        }
        if (p == end)
            break;
        const char16_t c = *p++;
        if (c < 0x80) {
            escapeAscii(m_out, c);
        } else if (QChar::isHighSurrogate(c) && p < end && QChar::isLowSurrogate(*p)) {
            appendUtf8(m_out, QChar::surrogateToUcs4(c, *p++));
        } else if (QChar::isSurrogate(c)) {
            appendUtf8(m_out, 0xfffd);   // a lone half of a pair: not UTF-8 expressible
        } else {
            appendUtf8(m_out, c);
        }
    }
    m_out += '"';
}

void JsonWriter::latin1(const QByteArray &bytes)
{
    separate();
    m_out += '"';
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.constData());
    const auto *end = p + bytes.size();
    while (p < end) {
        // Heads are mostly plain text: append each run of it at once.
        const auto *run = p;
        while (p < end && isPlain(*p))
            ++p;
        if (p != run)
            m_out.append(reinterpret_cast<const char *>(run), p - run);
        if (p == end)
            break;
        if (*p < 0x80)
            escapeAscii(m_out, *p);
        else
            appendUtf8(m_out, *p);
        ++p;
    }
    m_out += '"';
}

void JsonWriter::time(const QDateTime &t)
{
    if (!t.isValid())
        return value(QStringView());
    const qint64 ms = t.toMSecsSinceEpoch();
    qint64 days = ms / 86400000;
    qint64 rest = ms % 86400000;
    if (rest < 0) {
        rest += 86400000;
        --days;
    }
    qint64 year = 0;
    int month = 0, day = 0;
    civilFromDays(days, &year, &month, &day);
    if (year < 0 || year > 9999)   // outside what four digits hold: Qt's own form
        return value(QStringView(t.toUTC().toString(Qt::ISODateWithMs)));
    char buf[] = "\"0000-00-00T00:00:00.000Z\"";
    twoDigits(buf + 1, int(year / 100));
    twoDigits(buf + 3, int(year % 100));
    twoDigits(buf + 6, month);
    twoDigits(buf + 9, day);
    twoDigits(buf + 12, int(rest / 3600000));
    twoDigits(buf + 15, int(rest / 60000 % 60));
    twoDigits(buf + 18, int(rest / 1000 % 60));
    const int msPart = int(rest % 1000);
    buf[21] = char('0' + msPart / 100);
    twoDigits(buf + 22, msPart % 100);
    number(buf);
}

} // namespace WsPlug::Protocol::Json
