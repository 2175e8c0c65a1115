/*
 * errors.h: one status enum for all of Coffer, and what each dialect says
 * of each status.
 *
 * common/ and handlers return an enum cf_status; only reply_error()
 * (reply.h) turns it into an HTTP status and a body in the caller's
 * dialect, from the row errors_info() gives.  The optional detail is a
 * fixed string of ours, never request bytes, so no error body can echo a
 * secret, a token or a path.  This header includes nothing, so that every
 * module may return a status without reaching the request (http.h).
 */
#ifndef COFFER_ERRORS_H
#define COFFER_ERRORS_H

enum cf_status {
	CF_OK = 0,
	CF_E_BAD_REQUEST,  /* 400: malformed input */
	CF_E_BAD_JSON,     /* 400: body is not the JSON we take */
	CF_E_BAD_PATH,     /* 400: path segment rules */
	CF_E_BAD_ACCEPT,   /* 400: DC/OS "Unsupported Accept header" */
	CF_E_BAD_CTYPE,    /* 400: DC/OS "Unsupported Content-Type header" */
	CF_E_UNAUTHORIZED, /* 401 */
	CF_E_FORBIDDEN,    /* 403 */
	CF_E_NOT_FOUND,    /* 404 */
	CF_E_METHOD,       /* 405, with Allow */
	CF_E_CONFLICT,     /* 409 */
	CF_E_TOO_LARGE,    /* 413 */
	CF_E_MEDIA_TYPE,   /* 415 */
	CF_E_TOO_MANY,     /* 429 */
	CF_E_ALREADY_INIT, /* 400: store already initialized */
	CF_E_NOT_INIT,     /* 503: store not initialized */
	CF_E_SEALED,       /* 503 */
	CF_E_PLAIN_HTTP,   /* 403: not over TLS */
	CF_E_INTERNAL,     /* 500 */
	CF_E_CRYPTO,       /* 500: a record failed authentication */
	/* 503: the backend found its data damaged (backend.h: damage) */
	CF_E_STORE_DAMAGED,
	CF_E_STORE_FULL, /* 507: no room on the store's disk (BACKEND_FULL) */
	/* 503: the backend's server cannot be reached for now (backend.h:
	 * unavailable); the client may retry */
	CF_E_STORE_UNAVAILABLE,
	CF_STATUS_MAX
};

enum cf_dialect {
	CF_D_DCOS,  /* {"title","description","code"} */
	CF_D_PATH,  /* {"code","message","status"} (CrossID) */
	CF_D_DAPR,  /* {"errorCode","message"} */
	CF_D_SENSU, /* {"message","code"} */
	CF_D_CFSSL, /* CloudFlare envelope */
	CF_D_PLAIN, /* text/plain */
	/* Sensu's authentication and RBAC middleware: {"Code","Message"}
	 * (actions.Error marshalled without JSON tags). */
	CF_D_SENSU_MW,
	/* Vault's KV API: {"errors": ["message"]}, 403 for any refused
	 * credential, 400 for a check-and-set conflict. */
	CF_D_VAULT,
	/* ACME (RFC 8555): application/problem+json, {"type":
	 * "urn:ietf:params:acme:error:<code>", "detail", "status"}. */
	CF_D_ACME,
};

/* One status in every dialect: the peers' own codes (errors.c). */
struct errors_info {
	const char *name; /* errors_name(): for logs and audit */
	int http;         /* HTTP status in every dialect */
	const char *dcos; /* DC/OS (Bouncer) "code" */
	const char *dapr; /* Dapr "errorCode" */
	int sensu;        /* Sensu "code" */
	int cfssl;        /* CFSSL errors[].code */
	const char *msg;  /* default message */
};

int errors_http_status(enum cf_status st);
const char *errors_name(enum cf_status st);
/* The row of an error status; CF_OK or one out of range is logged and
 * answered as CF_E_INTERNAL's, so nothing renders an error as a success. */
const struct errors_info *errors_info(enum cf_status st);

#endif
