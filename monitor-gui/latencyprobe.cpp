// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "latencyprobe.h"

#include <algorithm>

namespace WsPlug {

LatencyProbe::LatencyProbe(QObject *parent)
    : QObject(parent)
{
    // Precise: a coarse timer may fire up to 5% late on purpose, which is not the GUI's delay.
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &LatencyProbe::onFired);
    m_started.start();
    arm();
}

void LatencyProbe::arm()
{
    m_armed.start();
    m_timer.start(IntervalMs);
}

void LatencyProbe::onFired()
{
    const double late = std::max(0.0, double(m_armed.nsecsElapsed()) / 1e6 - IntervalMs);
    if (late > m_maxMs) {
        m_maxMs = late;
        m_maxAtS = double(m_started.elapsed()) / 1000;
    }
    m_lateMs.push_back(late);
    arm();
}

/*!
    The lateness of every firing so far: its median, 99th percentile and maximum in
    milliseconds, as key=value pairs.
*/
QString LatencyProbe::summary() const
{
    std::vector<double> sorted = m_lateMs;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&sorted](double q) {
        return sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, size_t(q * double(sorted.size())))];
    };
    return QStringLiteral("latency_samples=%1 latency_p50_ms=%2 latency_p99_ms=%3 latency_max_ms=%4 latency_max_at_s=%5")
        .arg(sorted.size())
        .arg(at(0.5), 0, 'f', 2)
        .arg(at(0.99), 0, 'f', 2)
        .arg(m_maxMs, 0, 'f', 2)
        .arg(m_maxAtS, 0, 'f', 1);
}

} // namespace WsPlug
