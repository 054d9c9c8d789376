// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "filesignature_p.h"

#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <functional>

namespace WsPlug::Internal {

/*
 * Watches plugin directories and reports a plugin file once it has stopped changing:
 * new or changed, it is "settled" when its signature stayed the same for settleMs;
 * gone, it is "removed" when it stayed away that long (so "rm f; cp new f" is one
 * change, not an unload and a load). A file being written, by cp or slowly, changes
 * at least every settleMs and is never reported half-written.
 *
 * QFileSystemWatcher says when to look (a directory for files created, deleted or
 * renamed; each file for writes in place, which a directory watch does not see); a
 * poll every settleMs/5 runs while some file has not settled, since inotify events
 * are coalesced and a rename onto a watched file drops its watch (it is re-added).
 */
class PluginWatcher final : public QObject
{
public:
    PluginWatcher(const QStringList &dirs, int settleMs, QObject *parent = nullptr);

    //! The library files in \a dirs now, in directory order then by name.
    static QList<std::pair<QString, FileSignature>> scan(const QStringList &dirs);

    //! Starts watching. The files in \a handled count as dealt with in that version
    //! (the host loaded or refused them at start): only a change is reported.
    void start(const QList<std::pair<QString, FileSignature>> &handled);
    //! \a path in version \a signature was dealt with outside the watcher (loaded by
    //! an API call): do not report it again unless it changes.
    void markHandled(const QString &path, const FileSignature &signature);

    std::function<void(const QString &path)> onSettled;
    std::function<void(const QString &path)> onRemoved;

private:
    struct Tracked
    {
        FileSignature handled;   // the version last reported (or seen at start)
        FileSignature seen;      // the version the last scan saw
        qint64 seenSinceMs = 0;  // since when it has been the same
    };

    void schedule(int delayMs);
    void rescan();

    const QStringList m_dirs;
    const int m_settleMs;
    QFileSystemWatcher m_watcher;
    QTimer m_timer;
    QElapsedTimer m_clock;
    QHash<QString, Tracked> m_files;
};

} // namespace WsPlug::Internal
