/*
 * limits.h: every bound Coffer enforces, named once with its unit.
 *
 * Inputs are checked against these before anything is allocated for them.
 */
#ifndef COFFER_LIMITS_H
#define COFFER_LIMITS_H

#define CF_MAX_BODY       1048576 /* 1 MiB: default request body limit */
#define CF_MAX_BODY_SMALL 8192    /* unauthenticated endpoints (unseal) */
#define CF_MAX_SECRET     1048576 /* 1 MiB: one secret's value */
#define CF_MAX_MAP_KEYS   10000   /* keys in one secret's map */
#define CF_MAX_PATH       512     /* bytes in a secret path */
#define CF_MAX_SEGMENTS   16      /* segments in a secret path */
#define CF_MAX_URI        8192    /* bytes in REQUEST_URI */
#define CF_MAX_HEADER     8192    /* bytes in one header we read */
#define CF_MAX_JSON_DEPTH 16      /* nesting of request JSON */
#define CF_MAX_STORE_NAME 64      /* bytes in a store name */
#define CF_MAX_SHARES     255     /* Shamir shares (GF(256)) */
#define CF_KEY_LEN        32      /* AES-256 key bytes */
#define CF_NONCE_LEN      12      /* AES-GCM nonce bytes */
#define CF_TAG_LEN        16      /* AES-GCM tag bytes */
#define CF_SHA256_LEN     32      /* SHA-256 digest bytes */
#define CF_VERSIONS_KEPT  10      /* versions of a secret kept by default */
#define CF_MAX_VERSIONS   1000    /* a secret's own max_versions */
#define CF_MAX_META_KEYS  64      /* keys in a secret's custom metadata */
#define CF_MAX_META_KEY   128     /* bytes in one custom metadata key */
#define CF_MAX_META_VALUE 512     /* bytes in one custom metadata value */
#define CF_TOKEN_LIFETIME 432000  /* 5 days, in seconds (DC/OS default) */
#define CF_MAX_TOKEN      8192    /* bytes in a bearer token */
#define CF_MAX_UID        96      /* bytes in a user or service account id */
#define CF_RECCACHE_SLOTS 64      /* opened records kept per process */
#define CF_RECCACHE_BYTES 65536   /* 64 KiB: largest sealed record kept */
#define CF_IDLE_SECONDS   1       /* a sealed store's keys outlive it idle */

/* A bound's digits as a string literal, for the messages that name it. */
#define CF_STRING_(x) #x
#define CF_STRING(x)  CF_STRING_(x)

#endif
