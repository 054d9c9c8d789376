// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "utf8validator_p.h"

#include <cstring>

namespace WsPlug::Internal {

bool Utf8Validator::feed(const char *data, qsizetype size)
{
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    const unsigned char *const end = p + size;
    State s = m_state;
    while (p < end && s != Reject) {
        if (s == Accept) {
            // Most text is ASCII: skip it a word at a time.
            while (end - p >= 8) {
                quint64 word;
                std::memcpy(&word, p, 8);
                if (word & 0x8080808080808080ULL)
                    break;
                p += 8;
            }
            if (p == end)
                break;
        }
        const unsigned char b = *p++;
        switch (s) {
        case Accept:
            if (b < 0x80)
                s = Accept;
            else if (b >= 0xC2 && b <= 0xDF)
                s = Tail1;
            else if (b == 0xE0)
                s = E0;
            else if (b == 0xED)
                s = ED;
            else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
                s = Tail2;
            else if (b == 0xF0)
                s = F0;
            else if (b >= 0xF1 && b <= 0xF3)
                s = Tail3;
            else if (b == 0xF4)
                s = F4;
            else
                s = Reject;   // 80..C1 (a stray continuation or an overlong lead), F5..FF
            break;
        case Tail1:
        case Tail2:
        case Tail3:
            s = (b & 0xC0) == 0x80 ? State(s - 1) : Reject;   // Tail1 - 1 == Accept
            break;
        case E0:
            s = b >= 0xA0 && b <= 0xBF ? Tail1 : Reject;
            break;
        case ED:
            s = b >= 0x80 && b <= 0x9F ? Tail1 : Reject;
            break;
        case F0:
            s = b >= 0x90 && b <= 0xBF ? Tail2 : Reject;
            break;
        case F4:
            s = b >= 0x80 && b <= 0x8F ? Tail2 : Reject;
            break;
        case Reject:
            break;
        }
    }
    m_state = s;
    return s != Reject;
}

} // namespace WsPlug::Internal
