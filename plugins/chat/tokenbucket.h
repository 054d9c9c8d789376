// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace WsPlug {

/*
 * A token bucket: \a burst tokens at most, refilled at \a ratePerSecond. Time is
 * passed in (milliseconds, any monotonic origin), so the class does no I/O and tests
 * control the clock.
 */
class TokenBucket
{
public:
    TokenBucket() = default;
    TokenBucket(double ratePerSecond, int burst, qint64 nowMs);

    //! Takes one token; false (and nothing taken) if the bucket is empty.
    bool take(qint64 nowMs);
    //! Whether the bucket has refilled to its full size.
    bool isFull(qint64 nowMs);
    //! Milliseconds until the next token is available; 0 if one is available now.
    qint64 msUntilNextToken(qint64 nowMs);

private:
    void refill(qint64 nowMs);

    double m_rate = 0;
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastMs = 0;
};

} // namespace WsPlug
