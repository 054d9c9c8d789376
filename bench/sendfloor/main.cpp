// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// wsplug-sendfloor: the floor of a fan-out on this machine. N loopback TCP connections
// within one process; a sender thread on CPU 0 sends 34 bytes (a 32-byte WebSocket text
// frame) to each with plain send(), TCP_NODELAY, in a tight loop; a receiver thread on
// CPU 1 reads them with epoll. Per round: time until the receiver has all N. No Qt, no
// WebSocket work: whatever wsplug-host spends above this is its own.
//
// --serve: the same floor as a server, for wsplug-loadgen's fanout mode, so that it is
// measured through the same generator as wsplug: one epoll thread that does the
// handshake and sends every data message it gets to every client (sender included, as
// bench/floor does), in a tight loop of send()s. Just enough RFC 6455 for the generator.
// --trace: a line per fan-out to 100 or more with the time of that loop, as wsplug-host
// logs its own (bench/fanouttrace.sh compares the two).

#include "../loadgen/wsproto.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void pinTo(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

[[noreturn]] void fail(const char *what)
{
    std::perror(what);
    std::exit(1);
}

struct Client
{
    int fd = -1;
    bool open = false;     // handshake done
    std::string in;        // unparsed input
    std::string out;       // what the kernel did not take yet
};

bool traceFanouts = false;

void sendOrQueue(int epoll, Client &c, const char *data, size_t size)
{
    if (c.out.empty()) {
        const ssize_t n = send(c.fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == ssize_t(size))
            return;
        const size_t sent = n > 0 ? size_t(n) : 0;
        c.out.assign(data + sent, size - sent);
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.fd = c.fd;
        epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
        return;
    }
    c.out.append(data, size);
}

//! Handles what one client sent: the handshake, then masked frames. Returns false to drop it.
bool serveInput(int epoll, Client &c, std::vector<Client> &clients, std::vector<int> &open, std::string &frame)
{
    if (!c.open) {
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos)
            return c.in.size() < 16384;
        const size_t at = c.in.find("Sec-WebSocket-Key:");
        if (at == std::string::npos || at > end)
            return false;
        size_t from = at + 18;
        while (c.in[from] == ' ')
            ++from;
        const std::string key = c.in.substr(from, c.in.find("\r\n", from) - from);
        const std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Accept: " + WsPlug::Bench::acceptKeyFor(key) + "\r\n\r\n";
        sendOrQueue(epoll, c, response.data(), response.size());
        c.open = true;
        open.push_back(c.fd);
        c.in.erase(0, end + 4);
    }
    for (;;) {
        if (c.in.size() < 2)
            return true;
        const auto b0 = static_cast<unsigned char>(c.in[0]);
        const auto b1 = static_cast<unsigned char>(c.in[1]);
        uint64_t length = b1 & 0x7F;
        size_t header = 2;
        if (length == 126 && c.in.size() >= 4) {
            length = (uint64_t(static_cast<unsigned char>(c.in[2])) << 8) | static_cast<unsigned char>(c.in[3]);
            header = 4;
        } else if (length == 127) {
            return false;   // not needed for a 32-byte fan-out
        } else if (length == 126) {
            return true;
        }
        if (!(b1 & 0x80))
            return false;
        if (c.in.size() < header + 4 + length)
            return true;
        const char *key = c.in.data() + header;
        std::string payload = c.in.substr(header + 4, size_t(length));
        for (size_t i = 0; i < payload.size(); ++i)
            payload[i] = char(payload[i] ^ key[i % 4]);
        c.in.erase(0, header + 4 + size_t(length));
        const int opcode = b0 & 0x0F;
        if (opcode == 0x8)
            return false;
        if (opcode == 0x9 || opcode == 0xA)
            continue;
        // The frame once, then one send() per client: the loop this program is about.
        frame.assign(1, char(0x80 | opcode));
        if (payload.size() < 126) {
            frame += char(payload.size());
        } else {
            frame += char(126);
            frame += char(payload.size() >> 8);
            frame += char(payload.size() & 0xFF);
        }
        frame += payload;
        const auto start = std::chrono::steady_clock::now();
        for (int fd : open)
            sendOrQueue(epoll, clients[size_t(fd)], frame.data(), frame.size());
        if (traceFanouts && open.size() >= 100) {
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
            std::fprintf(stderr, "fanout to %zu: send %lld us\n", open.size(), static_cast<long long>(us.count()));
        }
    }
}

int serve()
{
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || listen(listener, 4096) != 0 || getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        fail("listen");
    const int epoll = epoll_create1(0);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listener;
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
    std::printf("listening on ws://127.0.0.1:%d\n", ntohs(address.sin_port));
    std::fflush(stdout);

    std::vector<Client> clients(20000);   // by descriptor: the process may hold 20,000
    std::vector<int> open;                // descriptors of clients past the handshake
    std::vector<epoll_event> events(1024);
    std::string frame;
    char buffer[65536];
    for (;;) {
        const int n = epoll_wait(epoll, events.data(), int(events.size()), -1);
        for (int k = 0; k < n; ++k) {
            const int fd = events[size_t(k)].data.fd;
            if (fd == listener) {
                int accepted;
                while ((accepted = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
                    if (size_t(accepted) >= clients.size()) {
                        close(accepted);
                        continue;
                    }
                    const int one = 1;
                    setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    clients[size_t(accepted)] = Client{accepted, false, {}, {}};
                    epoll_event add{};
                    add.events = EPOLLIN;
                    add.data.fd = accepted;
                    epoll_ctl(epoll, EPOLL_CTL_ADD, accepted, &add);
                }
                continue;
            }
            Client &c = clients[size_t(fd)];
            bool keep = true;
            if (events[size_t(k)].events & EPOLLOUT) {
                const ssize_t sent = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (sent > 0)
                    c.out.erase(0, size_t(sent));
                if (c.out.empty()) {
                    epoll_event mod{};
                    mod.events = EPOLLIN;
                    mod.data.fd = fd;
                    epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &mod);
                }
            }
            if (events[size_t(k)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
                if (got > 0) {
                    c.in.append(buffer, size_t(got));
                    keep = serveInput(epoll, c, clients, open, frame);
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    keep = false;
                }
            }
            if (!keep) {
                epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
                close(fd);
                if (c.open)
                    open.erase(std::find(open.begin(), open.end(), fd));
                c = Client{};
            }
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    int recipients = 1000;
    int rounds = 200;
    bool serving = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--recipients" && i + 1 < argc)
            recipients = std::atoi(argv[++i]);
        else if (arg == "--rounds" && i + 1 < argc)
            rounds = std::atoi(argv[++i]);
        else if (arg == "--trace")
            traceFanouts = true;
        else if (arg == "--serve")
            serving = true;
        else {
            std::fprintf(stderr, "usage: wsplug-sendfloor [--recipients N (1-9990)] [--rounds R] | [--trace] --serve\n");
            return 2;
        }
    }
    if (serving)
        return serve();
    if (recipients < 1 || recipients > 9990 || rounds < 1) {
        std::fprintf(stderr, "wsplug-sendfloor: --recipients must be 1-9990 (two descriptors each), --rounds >= 1\n");
        return 2;
    }

    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || listen(listener, 4096) != 0
        || getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        fail("listen");
    std::vector<int> receivers(static_cast<size_t>(recipients)), senders(static_cast<size_t>(recipients));
    for (int i = 0; i < recipients; ++i) {
        receivers[size_t(i)] = socket(AF_INET, SOCK_STREAM, 0);
        if (receivers[size_t(i)] < 0 || connect(receivers[size_t(i)], reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            fail("connect");
        senders[size_t(i)] = accept(listener, nullptr, nullptr);
        if (senders[size_t(i)] < 0)
            fail("accept");
        const int one = 1;
        setsockopt(senders[size_t(i)], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }

    std::atomic<long> frames{0};
    std::atomic<bool> done{false};
    std::thread receiver([&] {
        pinTo(1);
        const int epoll = epoll_create1(0);
        for (int i = 0; i < recipients; ++i) {
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.fd = receivers[size_t(i)];
            epoll_ctl(epoll, EPOLL_CTL_ADD, receivers[size_t(i)], &event);
        }
        epoll_event events[512];
        char buffer[4096];
        while (!done.load()) {
            const int n = epoll_wait(epoll, events, 512, 100);
            for (int k = 0; k < n; ++k) {
                const ssize_t got = recv(events[k].data.fd, buffer, sizeof buffer, 0);
                if (got > 0)
                    frames.fetch_add(got / 34);
            }
        }
        close(epoll);
    });

    pinTo(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    char frame[34] = {char(0x81), 32};
    std::memset(frame + 2, 'x', 32);
    std::vector<double> roundMs;
    double sendLoopSeconds = 0;
    for (int r = 0; r < rounds; ++r) {
        const long target = long(recipients) * (r + 1);
        const auto start = Clock::now();
        for (int fd : senders) {
            if (send(fd, frame, sizeof frame, MSG_NOSIGNAL) != ssize_t(sizeof frame))
                fail("send");
        }
        sendLoopSeconds += std::chrono::duration<double>(Clock::now() - start).count();
        while (frames.load() < target)
            ;
        roundMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    done = true;
    receiver.join();

    std::sort(roundMs.begin(), roundMs.end());
    std::printf("RESULT recipients=%d rounds=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f send_us_per_recipient=%.2f\n",
                recipients, rounds, roundMs[roundMs.size() / 2], roundMs[std::min(roundMs.size() - 1, size_t(double(roundMs.size()) * 0.99))],
                roundMs.back(), sendLoopSeconds / rounds / recipients * 1e6);
    return 0;
}
