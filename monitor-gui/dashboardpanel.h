// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QWidget>

namespace WsPlug {

class ChartsPanel;
class MonitorClient;

//! The Dashboard tab: the attached host's rates and totals as charts (see charts/).
class DashboardPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardPanel(MonitorClient *client, QWidget *parent = nullptr);
    //! The charts' text follows \a font (presentation mode).
    void followFont(const QFont &font);
    //! Brings the charts up to date: they take no samples while the tab is hidden.
    void catchUp();

public Q_SLOTS:
    //! The charts' time window: 60 or 600 seconds.
    void setWindowSeconds(int seconds);

protected:
    void showEvent(QShowEvent *event) override;

private:
    MonitorClient *m_client;
    ChartsPanel *m_charts;
    bool m_behind = false;   // samples or totals came while the tab was hidden
};

} // namespace WsPlug
