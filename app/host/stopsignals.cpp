// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/stopsignals.h>

#include <wsplug/hostoptions.h>

#include <QSocketNotifier>

#include <csignal>

#include <sys/socket.h>
#include <unistd.h>

namespace WsPlug {

namespace {

int signalFds[2] = {-1, -1};
int reloadFds[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(signalFds[0], &byte, 1);
}

void onReload(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(reloadFds[0], &byte, 1);
}

} // namespace

void onStopSignal(QObject *context, std::function<void()> stop)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalFds) != 0)
        exitWithError(QStringLiteral("cannot set up signal handling"), 1);
    auto *notifier = new QSocketNotifier(signalFds[1], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [stop = std::move(stop)] {
        char byte;
        [[maybe_unused]] const auto n = ::read(signalFds[1], &byte, 1);
        stop();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

void onReloadSignal(QObject *context, std::function<void()> reload)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, reloadFds) != 0)
        exitWithError(QStringLiteral("cannot set up signal handling"), 1);
    auto *notifier = new QSocketNotifier(reloadFds[1], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [reload = std::move(reload)] {
        char byte;
        [[maybe_unused]] const auto n = ::read(reloadFds[1], &byte, 1);
        reload();
    });
    struct sigaction action = {};
    action.sa_handler = onReload;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGHUP, &action, nullptr);
}

} // namespace WsPlug
