// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QTableView;
class QTextBrowser;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;
class WatchRecorder;

/*
 * The Frames tab, the frame inspector: every frame of the watched sessions both ways
 * as it crossed the wire, and for the frame picked, its header bytes with each field
 * marked, the fields with their RFC 6455 sections, and the payload (unmasked) as text
 * and hex, with the whole message when it came in fragments. Sessions are watched
 * from the Clients tab ("Watch frames"), routes from here.
 */
class FramesPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit FramesPanel(MonitorClient *client, QWidget *parent = nullptr);
    void followFont(const QFont &font, qreal scale);

    //! The detail pane's HTML for the frame in \a row of the client's frames model.
    QString detailHtml(int row) const;
    //! Records the watched sessions as pcapng (the Record button).
    WatchRecorder *recorder() const { return m_recorder; }

private:
    QWidget *buildTeachingRow();
    //! The session the teaching actions act on, or 0.
    quint64 teachingSession() const;
    void updateTeachingSessions();
    void updateControls();
    void showDetail();
    void onRowsInserted();
    void onRecordClicked();
    void updateRecording();

    MonitorClient *m_client;
    QLabel *m_watching = nullptr;
    QComboBox *m_routes = nullptr;
    QStringList m_routeNames;   // what m_routes lists
    QPushButton *m_watchRoute = nullptr;
    QPushButton *m_stop = nullptr;
    QCheckBox *m_follow = nullptr;
    WatchRecorder *m_recorder = nullptr;
    QPushButton *m_record = nullptr;
    QLabel *m_recording = nullptr;
    QString m_lastRecording;   // what became of the last recording, until the next one
    QLabel *m_note = nullptr;
    QTableView *m_view = nullptr;
    QTextBrowser *m_detail = nullptr;
    // Teaching actions
    QComboBox *m_teachSession = nullptr;
    QList<QWidget *> m_teachControls;
    QPushButton *m_holdHostPongs = nullptr;
    QPushButton *m_holdClientPongs = nullptr;
    QComboBox *m_fault = nullptr;
    QHash<quint64, std::pair<bool, bool>> m_holds;   // session -> (host pongs, client pongs) held
};

} // namespace WsPlug
