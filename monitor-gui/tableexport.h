// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QString>

QT_BEGIN_NAMESPACE
class QAbstractItemModel;
QT_END_NAMESPACE

namespace WsPlug {

// Exports of a table as the operator sees it: the rows of \a model (a view's model,
// so filtered and sorted as shown), every column, the header's names, the cells' text.
// They take a path, not a dialog, so that they can be tested.

//! RFC 4180 CSV: a header row, then one row per model row; UTF-8, CRLF.
bool exportCsv(const QAbstractItemModel *model, const QString &path, QString *error = nullptr);
//! A JSON array with one object per row, keyed by the column names.
bool exportJson(const QAbstractItemModel *model, const QString &path, QString *error = nullptr);
//! CSV or JSON, by the suffix of \a path (.json for JSON, CSV otherwise).
bool exportTable(const QAbstractItemModel *model, const QString &path, QString *error = nullptr);

} // namespace WsPlug
