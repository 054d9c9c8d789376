// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "wsproto.h"

#include <cstring>

namespace WsPlug::Bench {

namespace {

std::uint32_t rotl(std::uint32_t v, int n)
{
    return (v << n) | (v >> (32 - n));
}

bool isControl(Opcode opcode)
{
    return (static_cast<std::uint8_t>(opcode) & 0x8) != 0;
}

} // namespace

/*!
    SHA-1 (FIPS 180-4) of \a data, 20 raw bytes. Only used for Sec-WebSocket-Accept.
*/
std::string sha1(std::string_view data)
{
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string message(data);
    const std::uint64_t bitLength = std::uint64_t(data.size()) * 8;
    message.push_back(char(0x80));
    while (message.size() % 64 != 56)
        message.push_back('\0');
    for (int i = 7; i >= 0; --i)
        message.push_back(char(bitLength >> (i * 8)));

    for (std::size_t block = 0; block < message.size(); block += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i) {
            const auto *p = reinterpret_cast<const unsigned char *>(message.data() + block + 4 * i);
            w[i] = std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
        }
        for (int i = 16; i < 80; ++i)
            w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = t;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    std::string digest;
    for (std::uint32_t word : h) {
        for (int shift = 24; shift >= 0; shift -= 8)
            digest.push_back(char(word >> shift));
    }
    return digest;
}

std::string base64(std::string_view data)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const std::uint32_t v = std::uint32_t(std::uint8_t(data[i])) << 16
            | std::uint32_t(std::uint8_t(data[i + 1])) << 8 | std::uint8_t(data[i + 2]);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    if (const std::size_t rest = data.size() - i) {
        std::uint32_t v = std::uint32_t(std::uint8_t(data[i])) << 16;
        if (rest == 2)
            v |= std::uint32_t(std::uint8_t(data[i + 1])) << 8;
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

/*!
    The Sec-WebSocket-Accept value a server must answer for the request's \a key (RFC 6455 4.2.2).
*/
std::string acceptKeyFor(std::string_view key)
{
    std::string input(key);
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    return base64(sha1(input));
}

/*!
    Appends one complete (FIN) client frame: clients must mask every frame (RFC 6455 5.3).
*/
void appendMaskedFrame(std::string &out, Opcode opcode, std::string_view payload, std::uint32_t maskKey)
{
    const std::size_t size = payload.size();
    char header[14];
    std::size_t n = 0;
    header[n++] = char(0x80 | static_cast<std::uint8_t>(opcode));
    if (size < 126) {
        header[n++] = char(0x80 | size);
    } else if (size <= 0xFFFF) {
        header[n++] = char(0x80 | 126);
        header[n++] = char(size >> 8);
        header[n++] = char(size);
    } else {
        header[n++] = char(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            header[n++] = char(std::uint64_t(size) >> shift);
    }
    unsigned char mask[4] = {std::uint8_t(maskKey >> 24), std::uint8_t(maskKey >> 16),
                             std::uint8_t(maskKey >> 8), std::uint8_t(maskKey)};
    std::memcpy(header + n, mask, 4);
    n += 4;

    const std::size_t start = out.size();
    out.resize(start + n + size);
    char *dst = out.data() + start;
    std::memcpy(dst, header, n);
    dst += n;
    const auto *src = reinterpret_cast<const unsigned char *>(payload.data());
    std::size_t i = 0;
    // Eight bytes at a time: the 16 KiB cases would otherwise spend visible time here.
    std::uint64_t mask64;
    unsigned char mask8[8];
    for (int j = 0; j < 8; ++j)
        mask8[j] = mask[j % 4];
    std::memcpy(&mask64, mask8, 8);
    for (; i + 8 <= size; i += 8) {
        std::uint64_t chunk;
        std::memcpy(&chunk, src + i, 8);
        chunk ^= mask64;
        std::memcpy(dst + i, &chunk, 8);
    }
    for (; i < size; ++i)
        dst[i] = char(src[i] ^ mask[i % 4]);
}

/*!
    Reads a frame header sent by a server: unmasked, no reserved bits, control frames
    unfragmented and at most 125 bytes. Error means the server broke the protocol.
*/
ParseResult parseServerFrameHeader(const char *data, std::size_t size, FrameHeader *header)
{
    if (size < 2)
        return ParseResult::Incomplete;
    const auto b0 = std::uint8_t(data[0]);
    const auto b1 = std::uint8_t(data[1]);
    if (b0 & 0x70)
        return ParseResult::Error;
    if (b1 & 0x80)
        return ParseResult::Error;   // a server must not mask
    header->fin = (b0 & 0x80) != 0;
    const std::uint8_t op = b0 & 0x0F;
    if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10)
        return ParseResult::Error;
    header->opcode = static_cast<Opcode>(op);
    std::uint64_t length = b1 & 0x7F;
    std::size_t n = 2;
    if (length == 126) {
        if (size < 4)
            return ParseResult::Incomplete;
        length = std::uint64_t(std::uint8_t(data[2])) << 8 | std::uint8_t(data[3]);
        n = 4;
    } else if (length == 127) {
        if (size < 10)
            return ParseResult::Incomplete;
        length = 0;
        for (int i = 2; i < 10; ++i)
            length = length << 8 | std::uint8_t(data[i]);
        n = 10;
    }
    if (isControl(header->opcode) && (!header->fin || length > 125))
        return ParseResult::Error;
    header->headerSize = n;
    header->payloadSize = length;
    return ParseResult::Ok;
}

bool selfTest(std::string *failure)
{
    // RFC 6455 1.3 and FIPS 180 examples.
    if (acceptKeyFor("dGhlIHNhbXBsZSBub25jZQ==") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
        *failure = "Sec-WebSocket-Accept of the RFC 6455 example";
        return false;
    }
    if (base64(sha1("abc")) != "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=") {
        *failure = "SHA-1 of \"abc\"";
        return false;
    }
    if (base64(sha1(std::string(1000, 'a'))).size() != 28 || base64("f") != "Zg==" || base64("fo") != "Zm8=") {
        *failure = "base64 padding";
        return false;
    }
    std::string frame;
    appendMaskedFrame(frame, Opcode::Text, "Hello", 0x37fa213d);
    const char expected[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";   // RFC 6455 5.7
    if (frame != std::string(expected, sizeof expected - 1)) {
        *failure = "masked \"Hello\" frame of RFC 6455 5.7";
        return false;
    }
    FrameHeader header;
    const std::string big("\x82\x7e\x01\x00", 4);
    if (parseServerFrameHeader(big.data(), big.size(), &header) != ParseResult::Ok
        || header.payloadSize != 256 || header.headerSize != 4 || header.opcode != Opcode::Binary) {
        *failure = "16-bit length header";
        return false;
    }
    return true;
}

} // namespace WsPlug::Bench
