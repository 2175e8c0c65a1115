/*
 * fetch.c: a bounded HTTP GET.  See fetch.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/fetch.h"

#define REQUEST_MAX 1024

int64_t
fetch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
fetch_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = {fd, events, 0};
	int64_t left;
	int rc;

	for (;;) {
		if ((left = deadline - fetch_now_ms()) <= 0)
			return 0;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc == 0 || errno != EINTR)
			return 0;
	}
}

static int
connect_one(const struct addrinfo *ai, int64_t deadline)
{
	socklen_t sl = sizeof(int);
	int fd, err = 0;

	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno == EINPROGRESS && fetch_wait(fd, POLLOUT, deadline) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0)
		return fd;
	close(fd);
	return -1;
}

int
fetch_connect(const char *host, unsigned port, int64_t deadline)
{
	struct addrinfo hints, *res = NULL, *ai;
	char sport[8];
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(sport, sizeof(sport), "%u", port);
	if (getaddrinfo(host, sport, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, deadline);
	freeaddrinfo(res);
	return fd;
}

static int
send_all(int fd, const char *p, size_t len, int64_t deadline)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR) &&
		    fetch_wait(fd, POLLOUT, deadline))
			continue;
		return -1;
	}
	return 0;
}

/* Up to FETCH_MAX_ANSWER bytes, until the peer closes. */
static int
recv_all(int fd, char *buf, size_t *len, int64_t deadline)
{
	ssize_t n;

	*len = 0;
	while (*len < FETCH_MAX_ANSWER) {
		n = recv(fd, buf + *len, FETCH_MAX_ANSWER - *len, 0);
		if (n > 0) {
			*len += (size_t)n;
			continue;
		}
		if (n == 0)
			return 0;
		if ((errno == EAGAIN || errno == EINTR) &&
		    fetch_wait(fd, POLLIN, deadline))
			continue;
		return -1;
	}
	return 0; /* full: what follows is not read */
}

/* "HTTP/1.x NNN ..." then headers, a blank line, the body. */
static int
parse_answer(char *buf, size_t len, int *status, char **body, size_t *blen)
{
	char *end;
	size_t off;

	buf[len] = '\0';
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9')
		return -1;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return -1;
	off = (size_t)(end - buf) + 4;
	*blen = len - off;
	if ((*body = malloc(*blen + 1)) == NULL)
		return -1;
	memcpy(*body, buf + off, *blen);
	(*body)[*blen] = '\0';
	return 0;
}

int
fetch_get(const char *host, unsigned port, const char *path, int timeout_ms,
    int *status, char **body, size_t *len)
{
	int64_t deadline = fetch_now_ms() + timeout_ms;
	char req[REQUEST_MAX], *buf = NULL;
	size_t got;
	int fd, n, rc = -1;

	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: coffer-acme\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n",
	    path, host, port);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	if ((fd = fetch_connect(host, port, deadline)) < 0)
		return -1;
	if ((buf = malloc(FETCH_MAX_ANSWER + 1)) == NULL)
		goto out;
	if (send_all(fd, req, (size_t)n, deadline) != 0 ||
	    recv_all(fd, buf, &got, deadline) != 0)
		goto out;
	rc = parse_answer(buf, got, status, body, len);
out:
	free(buf);
	close(fd);
	return rc;
}
