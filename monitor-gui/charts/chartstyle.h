// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QFont>

QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace WsPlug {

//! The smallest of 1, 2, 2.5, 5 × 10^k at least \a raw (whole numbers only when
//! \a integers): axis ticks on values people read at a glance (0, 50, 100...), never 63.
double niceStep(double raw, bool integers);

//! Titles, axes, legend and bar labels of \a chart in \a font (the window's, so that
//! presentation mode reaches the charts too), the title a little larger and bold.
void applyChartFont(QChart *chart, const QFont &font);

} // namespace WsPlug
