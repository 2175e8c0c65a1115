/*
 * hello.c: the smallest FastCGI program, the benchmark's yardstick.
 *
 * tools/bench measures it behind the same web server as the real programs:
 * whatever it reaches is the stack's own limit (web server + FastCGI), and
 * every other figure is given as a ratio of it.  It therefore does the least
 * a real program must do per request (accept, write headers and a small JSON
 * body, finish) and nothing else: no configuration, no store, no library
 * beyond libfcgi.  Served at /hello.
 *
 * It holds nothing worth cleaning up, so SIGTERM from the web server keeps
 * its default action and ends the process even while it waits in accept().
 */
#include <signal.h>
#include <stdlib.h>

#include <fcgiapp.h>

static const char hello_reply[] = "Status: 200 OK\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Cache-Control: no-store\r\n"
                                  "\r\n"
                                  "{\"hello\":\"coffer\"}\n";

int
main(void)
{
	FCGX_Request req;

	/* A client that went away must not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return EXIT_FAILURE;
	while (FCGX_Accept_r(&req) >= 0) {
		/* A short write means the client went away: nothing to do. */
		(void)FCGX_PutStr(
		    hello_reply, (int)sizeof(hello_reply) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return EXIT_SUCCESS;
}
