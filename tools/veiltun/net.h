/* SPDX-License-Identifier: MIT */
/* Socket headers for the tool, per OS (Winsock on Windows). */
#ifndef VEILTUN_TOOL_NET_H
#define VEILTUN_TOOL_NET_H

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#endif
