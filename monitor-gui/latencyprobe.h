// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

namespace WsPlug {

/*
 * How late the GUI thread answers: a timer armed every IntervalMs, and how long after
 * it was due it fired. A key press or a click waits in the same event loop, so the
 * lateness is what it would wait. For bench/monitor.sh (wsplug-monitor --latency-probe).
 */
class LatencyProbe final : public QObject
{
    Q_OBJECT
public:
    static constexpr int IntervalMs = 20;

    explicit LatencyProbe(QObject *parent = nullptr);
    //! "latency_samples=N latency_p50_ms=… latency_p99_ms=… latency_max_ms=… latency_max_at_s=…"
    //! (the last: seconds after the probe started).
    QString summary() const;
    int sampleCount() const { return int(m_lateMs.size()); }

private:
    void arm();
    void onFired();

    QTimer m_timer;
    QElapsedTimer m_armed;
    QElapsedTimer m_started;
    std::vector<double> m_lateMs;
    double m_maxMs = 0;
    double m_maxAtS = 0;
};

} // namespace WsPlug
