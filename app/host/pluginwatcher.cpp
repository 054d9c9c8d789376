// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pluginwatcher_p.h"

#include <QDir>
#include <QFile>
#include <QLibrary>
#include <QPointer>
#include <QSet>

#include <algorithm>


namespace WsPlug::Internal {

PluginWatcher::PluginWatcher(const QStringList &dirs, int settleMs, QObject *parent)
    : QObject(parent), m_dirs(dirs), m_settleMs(settleMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { rescan(); });
    // An event says "look soon": a burst of writes (cp) is one scan, not one per write.
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { schedule(20); });
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this] { schedule(20); });
}

QList<std::pair<QString, FileSignature>> PluginWatcher::scan(const QStringList &dirs)
{
    QList<std::pair<QString, FileSignature>> files;
    for (const QString &dir : dirs) {
        const QFileInfoList entries = QDir(dir).entryInfoList(QDir::Files | QDir::Readable, QDir::Name);
        for (const QFileInfo &file : entries) {
            if (!QLibrary::isLibrary(file.fileName()))
                continue;
            const FileSignature signature = FileSignature::of(file.absoluteFilePath());
            if (signature.exists)
                files.append({file.absoluteFilePath(), signature});
        }
    }
    return files;
}

void PluginWatcher::start(const QList<std::pair<QString, FileSignature>> &handled)
{
    m_clock.start();
    for (const auto &[path, signature] : handled)
        m_files.insert(path, {signature, signature, 0});
    QStringList existing;
    for (const QString &dir : m_dirs) {
        if (QFileInfo(dir).isDir())
            existing << dir;
    }
    if (!existing.isEmpty())
        m_watcher.addPaths(existing);
    // What changed between the host's scan and now is picked up by the first rescan.
    schedule(0);
}

void PluginWatcher::markHandled(const QString &path, const FileSignature &signature)
{
    Tracked &t = m_files[path];
    t.handled = signature;
    if (t.seen != signature) {
        t.seen = signature;
        t.seenSinceMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    }
}

void PluginWatcher::schedule(int delayMs)
{
    if (!m_timer.isActive() || m_timer.remainingTime() > delayMs)
        m_timer.start(delayMs);
}

void PluginWatcher::rescan()
{
    const qint64 now = m_clock.elapsed();
    const QList<std::pair<QString, FileSignature>> current = scan(m_dirs);
    QStringList settled;
    QStringList removed;
    bool unsettled = false;
    QSet<QString> present;

    for (const auto &[path, signature] : current) {
        present.insert(path);
        auto it = m_files.find(path);
        if (it == m_files.end())
            it = m_files.insert(path, {FileSignature(), signature, now});
        Tracked &t = it.value();
        if (t.seen != signature) {
            t.seen = signature;
            t.seenSinceMs = now;
        }
        if (t.handled == signature)
            continue;
        if (now - t.seenSinceMs >= m_settleMs) {
            t.handled = signature;
            settled << path;
        } else {
            unsettled = true;
        }
    }
    for (auto it = m_files.begin(); it != m_files.end();) {
        if (present.contains(it.key())) {
            ++it;
            continue;
        }
        Tracked &t = it.value();
        if (t.seen.exists) {
            t.seen = FileSignature();
            t.seenSinceMs = now;
        }
        if (!t.handled.exists) {
            // Never reported: a file that came and went (a temporary one, or a copy
            // renamed away) is nothing the host knew.
            it = m_files.erase(it);
        } else if (now - t.seenSinceMs >= m_settleMs) {
            removed << it.key();
            it = m_files.erase(it);
        } else {
            unsettled = true;
            ++it;
        }
    }

    // Watch every plugin file for writes in place; a file replaced by a rename lost
    // its watch with its old inode and gets one again here.
    const QStringList watched = m_watcher.files();
    QStringList toWatch;
    for (const QString &path : std::as_const(present)) {
        if (!watched.contains(path))
            toWatch << path;
    }
    QStringList toUnwatch;
    for (const QString &path : watched) {
        if (!present.contains(path))
            toUnwatch << path;
    }
    if (!toUnwatch.isEmpty())
        m_watcher.removePaths(toUnwatch);
    if (!toWatch.isEmpty())
        m_watcher.addPaths(toWatch);

    if (unsettled)
        schedule(std::clamp(m_settleMs / 5, 10, 200));

    // Last: the host loads and unloads from here (and may stop, deleting this).
    const QPointer<PluginWatcher> self(this);
    for (const QString &path : std::as_const(removed)) {
        if (self && onRemoved)
            onRemoved(path);
    }
    for (const QString &path : std::as_const(settled)) {
        if (self && onSettled)
            onSettled(path);
    }
}

} // namespace WsPlug::Internal
