// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tokenbucket.h"

#include <algorithm>
#include <cmath>

namespace WsPlug {

/*!
    Makes a full bucket. A rate of 0 makes a bucket that never runs dry, which is how
    the rate limit is switched off.
*/
TokenBucket::TokenBucket(double ratePerSecond, int burst, qint64 nowMs)
    : m_rate(ratePerSecond), m_burst(burst), m_tokens(burst), m_lastMs(nowMs)
{
}

void TokenBucket::refill(qint64 nowMs)
{
    // A clock that steps backwards must not mint or burn tokens.
    if (nowMs > m_lastMs) {
        m_tokens = std::min(m_burst, m_tokens + double(nowMs - m_lastMs) * m_rate / 1000.0);
        m_lastMs = nowMs;
    }
}

bool TokenBucket::take(qint64 nowMs)
{
    if (m_rate <= 0)
        return true;
    refill(nowMs);
    if (m_tokens < 1.0)
        return false;
    m_tokens -= 1.0;
    return true;
}

bool TokenBucket::isFull(qint64 nowMs)
{
    if (m_rate <= 0)
        return true;
    refill(nowMs);
    return m_tokens >= m_burst;
}

qint64 TokenBucket::msUntilNextToken(qint64 nowMs)
{
    if (m_rate <= 0)
        return 0;
    refill(nowMs);
    if (m_tokens >= 1.0)
        return 0;
    return qint64(std::ceil((1.0 - m_tokens) * 1000.0 / m_rate));
}

} // namespace WsPlug
