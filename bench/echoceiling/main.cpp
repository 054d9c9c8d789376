// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// wsplug-echoceiling: the ceiling of an echo on this machine. One epoll thread, no Qt:
// the handshake, then each client's frames parsed where recv() put them, unmasked in
// place a word at a time, fragments joined, text checked for UTF-8 (RFC 6455 8.1: a
// server must), and every data message sent back with one sendmsg() of header and
// payload, no copy. Pings are answered, a close is echoed. Just
// enough RFC 6455 to be a fair ceiling: what wsplug does per message beyond this is its
// own cost. SIGINT or SIGTERM ends it normally (so that callgrind writes its counts).
//
//   wsplug-echoceiling [--port N]     prints "listening on ws://127.0.0.1:PORT"

#include "../loadgen/wsproto.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t stopping = 0;

struct Client
{
    int fd = -1;
    bool open = false;     // handshake done
    std::string in;        // unparsed input
    std::string out;       // what the kernel did not take yet
    std::string message;   // the fragmented message under way
    int messageOpcode = 0;
};

//! UTF-8 as RFC 3629 has it (no surrogates, no overlongs, at most U+10FFFF), ASCII a word at a time.
bool isUtf8(const unsigned char *p, size_t size)
{
    const unsigned char *end = p + size;
    while (p < end) {
        if (end - p >= 8) {
            uint64_t word;
            std::memcpy(&word, p, 8);
            if (!(word & 0x8080808080808080ULL)) {
                p += 8;
                continue;
            }
        }
        const unsigned char b = *p;
        if (b < 0x80) {
            ++p;
            continue;
        }
        int tail;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            tail = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            tail = 2;
            if (b == 0xE0)
                lo = 0xA0;
            else if (b == 0xED)
                hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            tail = 3;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (end - p <= tail || p[1] < lo || p[1] > hi)
            return false;
        for (int i = 2; i <= tail; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
        }
        p += tail + 1;
    }
    return true;
}

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

//! Sends one unmasked frame: header and payload straight from where they are, one sendmsg().
void sendFrame(int epoll, Client &c, int opcode, const char *payload, size_t size)
{
    char header[10];
    size_t headerSize = 2;
    header[0] = char(0x80 | opcode);
    if (size < 126) {
        header[1] = char(size);
    } else if (size <= 0xFFFF) {
        header[1] = char(126);
        header[2] = char(size >> 8);
        header[3] = char(size & 0xFF);
        headerSize = 4;
    } else {
        header[1] = char(127);
        for (int i = 0; i < 8; ++i)
            header[2 + i] = char((uint64_t(size) >> (8 * (7 - i))) & 0xFF);
        headerSize = 10;
    }
    if (!c.out.empty()) {
        c.out.append(header, headerSize);
        c.out.append(payload, size);
        return;
    }
    iovec parts[2] = {{header, headerSize}, {const_cast<char *>(payload), size}};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = 2;
    const ssize_t n = sendmsg(c.fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    const size_t sent = n > 0 ? size_t(n) : 0;
    if (sent == headerSize + size)
        return;
    if (sent < headerSize)
        c.out.append(header + sent, headerSize - sent);
    c.out.append(payload + (sent > headerSize ? sent - headerSize : 0), size - (sent > headerSize ? sent - headerSize : 0));
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.fd = c.fd;
    epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
}

void unmask(char *data, size_t size, const unsigned char key[4])
{
    unsigned char key8[8];
    for (int i = 0; i < 8; ++i)
        key8[i] = key[i & 3];
    uint64_t keyWord;
    std::memcpy(&keyWord, key8, 8);
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t word;
        std::memcpy(&word, data + i, 8);
        word ^= keyWord;
        std::memcpy(data + i, &word, 8);
    }
    for (; i < size; ++i)
        data[i] = char(static_cast<unsigned char>(data[i]) ^ key8[i & 7]);
}

//! The handshake, from c.in. Returns false to drop the client.
bool handshake(int epoll, Client &c)
{
    const size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos)
        return c.in.size() < 16384;
    const size_t keyAt = c.in.find("Sec-WebSocket-Key:");
    if (keyAt == std::string::npos || keyAt > end)
        return false;
    size_t from = keyAt + 18;
    while (c.in[from] == ' ')
        ++from;
    const std::string key = c.in.substr(from, c.in.find("\r\n", from) - from);
    const std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: " + WsPlug::Bench::acceptKeyFor(key) + "\r\n\r\n";
    sendOrQueue(epoll, c, response.data(), response.size());
    c.open = true;
    c.in.erase(0, end + 4);
    return true;
}

//! Handles the whole frames in \a data (unmasked in place). Returns how many bytes they
//! took; \a keep false to drop the client.
size_t serveFrames(int epoll, Client &c, char *data, size_t size, bool *keep)
{
    size_t at = 0;
    while (*keep && size - at >= 2) {
        const auto *h = reinterpret_cast<const unsigned char *>(data + at);
        const size_t have = size - at;
        uint64_t length = h[1] & 0x7F;
        size_t header = 2;
        if (length == 126)
            header = 4;
        else if (length == 127)
            header = 10;
        if (!(h[1] & 0x80) || (h[0] & 0x70)) {
            *keep = false;   // unmasked, or RSV bits: fail
            break;
        }
        if (have < header + 4)
            break;
        if (header == 4) {
            length = (uint64_t(h[2]) << 8) | h[3];
        } else if (header == 10) {
            length = 0;
            for (int i = 2; i < 10; ++i)
                length = (length << 8) | h[i];
        }
        if (length > (64u << 20)) {
            *keep = false;
            break;
        }
        if (have < header + 4 + length)
            break;
        unsigned char key[4];
        std::memcpy(key, h + header, 4);
        char *payload = data + at + header + 4;
        unmask(payload, size_t(length), key);
        const bool fin = h[0] & 0x80;
        const int opcode = h[0] & 0x0F;
        at += header + 4 + size_t(length);
        switch (opcode) {
        case 0x1:
        case 0x2:
            if (c.messageOpcode != 0) {
                *keep = false;
            } else if (fin) {
                if (opcode == 0x1 && !isUtf8(reinterpret_cast<const unsigned char *>(payload), size_t(length)))
                    *keep = false;
                else
                    sendFrame(epoll, c, opcode, payload, size_t(length));
            } else {
                c.messageOpcode = opcode;
                c.message.assign(payload, size_t(length));
            }
            break;
        case 0x0:
            if (c.messageOpcode == 0) {
                *keep = false;
                break;
            }
            c.message.append(payload, size_t(length));
            if (fin) {
                if (c.messageOpcode == 0x1
                    && !isUtf8(reinterpret_cast<const unsigned char *>(c.message.data()), c.message.size())) {
                    *keep = false;
                    break;
                }
                sendFrame(epoll, c, c.messageOpcode, c.message.data(), c.message.size());
                c.message.clear();
                c.messageOpcode = 0;
            }
            break;
        case 0x8:
            sendFrame(epoll, c, 0x8, payload, size_t(std::min<uint64_t>(length, 2)));
            *keep = false;
            break;
        case 0x9:
            sendFrame(epoll, c, 0xA, payload, size_t(length));
            break;
        case 0xA:
            break;
        default:
            *keep = false;
        }
    }
    return at;
}

//! Handles \a size bytes one client sent, in \a data (which it may change). Returns
//! false to drop the client. Whole frames are handled where they are, without a copy.
bool serveInput(int epoll, Client &c, char *data, size_t size)
{
    bool keep = true;
    if (c.in.empty() && c.open) {
        const size_t used = serveFrames(epoll, c, data, size, &keep);
        c.in.assign(data + used, size - used);
        return keep;
    }
    c.in.append(data, size);
    if (!c.open && !handshake(epoll, c))
        return false;
    if (!c.open)
        return true;
    const size_t used = serveFrames(epoll, c, c.in.data(), c.in.size(), &keep);
    c.in.erase(0, used);
    return keep;
}

[[noreturn]] void fail(const char *what)
{
    std::perror(what);
    std::exit(1);
}

} // namespace

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: wsplug-echoceiling [--port N]\n");
            return 2;
        }
    }
    struct sigaction action{};
    action.sa_handler = [](int) { stopping = 1; };
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(uint16_t(port));
    socklen_t length = sizeof address;
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
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

    std::vector<Client> clients(20000);   // by descriptor
    std::vector<epoll_event> events(1024);
    std::vector<char> buffer(256 * 1024);
    while (!stopping) {
        const int n = epoll_wait(epoll, events.data(), int(events.size()), -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int k = 0; k < n; ++k) {
            const int fd = events[size_t(k)].data.fd;
            if (fd == listener) {
                int accepted;
                while ((accepted = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
                    if (size_t(accepted) >= clients.size()) {
                        close(accepted);
                        continue;
                    }
                    setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    clients[size_t(accepted)] = Client{};
                    clients[size_t(accepted)].fd = accepted;
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
                const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
                if (got > 0) {
                    keep = serveInput(epoll, c, buffer.data(), size_t(got));
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    keep = false;
                }
            }
            if (!keep) {
                epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
                close(fd);
                c = Client{};
            }
        }
    }
    close(epoll);
    close(listener);
    return 0;
}
