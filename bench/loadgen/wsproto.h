// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

// The client side of RFC 6455 that the load generator needs: the handshake key check,
// masked frames out, unmasked frames in. No I/O here, so it can be checked on its own
// (wsplug-loadgen --self-test).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace WsPlug::Bench {

enum class Opcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

struct FrameHeader
{
    bool fin = false;
    Opcode opcode = Opcode::Continuation;
    std::size_t headerSize = 0;
    std::uint64_t payloadSize = 0;
};

enum class ParseResult { Incomplete, Ok, Error };

std::string sha1(std::string_view data);
std::string base64(std::string_view data);
std::string acceptKeyFor(std::string_view key);

void appendMaskedFrame(std::string &out, Opcode opcode, std::string_view payload,
                       std::uint32_t maskKey);
ParseResult parseServerFrameHeader(const char *data, std::size_t size, FrameHeader *header);

bool selfTest(std::string *failure);

} // namespace WsPlug::Bench
