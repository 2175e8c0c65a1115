/*
 * fetch.h: one bounded HTTP/1.0 GET over a plain socket, for the ACME
 * http-01 validator (RFC 8555 section 8.3): the CA asks a host named in
 * an order for a token on it; and its bounded connect, for tls-alpn-01.
 *
 * The host is a client's, so a worker must never wait on it for long or
 * read much from it: the whole fetch (every address's connect, the
 * request, the answer) has one deadline, each wait is a poll() against
 * what is left of it, and no more than FETCH_MAX_ANSWER bytes are read.
 * Name resolution is the system resolver's (its own timeouts, resolv.conf).
 * Redirects are not followed.
 */
#ifndef COFFER_FETCH_H
#define COFFER_FETCH_H

#include <stddef.h>
#include <stdint.h>

#define FETCH_MAX_ANSWER 8192 /* bytes of the answer, headers included */

/* GET http://host:port<path> within timeout_ms.  0 with the HTTP status in
 * *status and the body (malloc'd, NUL-terminated, at most
 * FETCH_MAX_ANSWER) in *body, or -1 when no answer came in time. */
int fetch_get(const char *host, unsigned port, const char *path, int timeout_ms,
    int *status, char **body, size_t *len);

/* The parts, for the tls-alpn-01 validator (ca/tlsalpn.h).  A monotonic
 * clock in milliseconds, the deadlines' clock. */
int64_t fetch_now_ms(void);
/* A non-blocking connected socket to host:port (every address in turn)
 * before deadline, or -1. */
int fetch_connect(const char *host, unsigned port, int64_t deadline);
/* Wait for events (poll's) on fd until deadline: 1 ready, 0 not. */
int fetch_wait(int fd, short events, int64_t deadline);

#endif
