// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QElapsedTimer>
#include <QMap>
#include <QTimer>
#include <QWidget>

#include <deque>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QBarSet;
class QBarCategoryAxis;
class QValueAxis;
class QDateTimeAxis;
QT_END_NAMESPACE

namespace WsPlug {

class RateChart;
class BreakdownChart;

/*
 * The dashboard's charts. This folder is the only place that uses Qt Charts (Qt 6.10
 * deprecates it for Qt Graphs, so a migration touches this folder alone); the rest of
 * the monitor talks to it through these plain slots.
 */
class ChartsPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit ChartsPanel(QWidget *parent = nullptr);
    ~ChartsPanel() override;

    // What the charts show, redrawn first with anything that waits for a redraw.
    //! Points currently held by the named line chart ("connections", "frames", "messages", "bytes").
    int pointCount(const QString &chart);

    //! Titles, axes, legends and labels in \a font (presentation mode).
    void followFont(const QFont &font);
    //! The charts by name: connections, messages, frames, bytes, kinds, closes, handshakes.
    QStringList chartNames() const;
    //! Renders the named chart to a PNG file at \a path (its size on screen).
    bool saveChart(const QString &name, const QString &path);

    //! Faded charts: what they show is not live (the connection to the host is lost).
    void setGreyed(bool greyed);
    bool isGreyed() const { return m_greyed; }

    //! The top of each chart's value axis (for tests: the ticks are a quarter of it).
    QList<double> axisTops();
    //! How many intervals each axis of axisTops() is cut into.
    QList<int> axisIntervals();
    //! Whether each bar chart (kinds, closes, handshakes) is on a logarithmic axis now.
    QList<bool> breakdownLogScales();

public Q_SLOTS:
    //! One rate sample (per second rates over one tick). Drawn with the next redraw.
    void addSample(const WsPlug::RateSample &sample);
    //! Replaces everything with \a history (after attaching).
    void setHistory(const std::deque<WsPlug::RateSample> &history);
    //! Totals for the breakdowns: frame kinds, close codes, handshake outcomes. Drawn
    //! with the next redraw.
    void setTotals(const WsPlug::HostStats &stats);
    //! The visible window: 60 or 600 seconds.
    void setWindowSeconds(int seconds);
    void clear();
    //! Draws the samples and totals that arrived since the last redraw, now.
    void redraw();

private:
    void scheduleRedraw();
    void applyTotals(const WsPlug::HostStats &stats);
    void appendPoints(const WsPlug::RateSample &sample);
    //! Trims to the window ending at \a sample, fits the axes, shows its rates in the titles.
    void showLatest(const WsPlug::RateSample &sample);
    QChartView *chartView(const QString &name) const;
    //! Asks for a file and saves the named chart there (its context menu).
    void saveChartAs(const QString &name);

    // Samples and totals wait here for the next redraw (at most a second); what reads the
    // charts (tests, exports) redraws first.
    std::vector<RateSample> m_pending;
    std::optional<HostStats> m_pendingTotals;
    QTimer m_redrawTimer;
    QElapsedTimer m_sinceRedraw;
    int m_windowSeconds = 60;
    bool m_greyed = false;
    RateChart *m_connections;
    RateChart *m_frames;
    RateChart *m_messages;
    RateChart *m_bytes;
    BreakdownChart *m_kinds;
    BreakdownChart *m_closes;
    BreakdownChart *m_handshakes;
};

} // namespace WsPlug
