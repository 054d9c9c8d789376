// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tableexport.h"

#include <QAbstractItemModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStringList>

namespace WsPlug {

namespace {

QString csvField(QString text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))
        && !text.contains(QLatin1Char('\r')))
        return text;
    text.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QStringList headers(const QAbstractItemModel *model)
{
    QStringList names;
    for (int c = 0; c < model->columnCount(); ++c)
        names << model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
    return names;
}

bool write(const QString &path, const QByteArray &bytes, QString *error)
{
    // Written whole or not at all: a half-written export would mislead.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace

/*!
    Writes \a model's rows to \a path as CSV: the column names first, then the text of
    every cell as the table shows it.
*/
bool exportCsv(const QAbstractItemModel *model, const QString &path, QString *error)
{
    QStringList lines;
    QStringList fields;
    for (const QString &name : headers(model))
        fields << csvField(name);
    lines << fields.join(QLatin1Char(','));
    for (int r = 0; r < model->rowCount(); ++r) {
        fields.clear();
        for (int c = 0; c < model->columnCount(); ++c)
            fields << csvField(model->index(r, c).data(Qt::DisplayRole).toString());
        lines << fields.join(QLatin1Char(','));
    }
    return write(path, (lines.join(QLatin1String("\r\n")) + QLatin1String("\r\n")).toUtf8(), error);
}

/*!
    Writes \a model's rows to \a path as a JSON array of objects, one per row, each
    with the column names as keys and the cells' text as values.
*/
bool exportJson(const QAbstractItemModel *model, const QString &path, QString *error)
{
    const QStringList names = headers(model);
    QJsonArray rows;
    for (int r = 0; r < model->rowCount(); ++r) {
        QJsonObject row;
        for (int c = 0; c < model->columnCount(); ++c)
            row.insert(names.at(c), model->index(r, c).data(Qt::DisplayRole).toString());
        rows.append(row);
    }
    return write(path, QJsonDocument(rows).toJson(QJsonDocument::Indented), error);
}

bool exportTable(const QAbstractItemModel *model, const QString &path, QString *error)
{
    return path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ? exportJson(model, path, error)
                                                                       : exportCsv(model, path, error);
}

} // namespace WsPlug
