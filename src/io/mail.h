/*
 * io/mail: e-mail messages (RFC 5322 with MIME, RFC 2047 subjects) and their delivery
 * through libcurl's SMTP (STARTTLS or SMTPS). docs/notifications.md.
 */
#ifndef CIVDESK_MAIL_H
#define CIVDESK_MAIL_H

#include "core/core.h"

/* Where and how to send; every pointer borrowed, read-only after start. */
struct mail_config {
    const char *smtp_url;    /* smtp://host:port (STARTTLS when offered, required with
                                credentials) or smtps://host:port; NULL: no e-mail */
    const char *from;        /* the envelope and From address */
    const char *credentials; /* path of a file holding "user:password" on one line; NULL */
    const char *ca_file;     /* PEM file of the CA(s) the relay's certificate must chain to,
                                instead of the system's; TLS is then required. NULL: the
                                system's CAs */
    const char *public_url;  /* base of links in messages, "https://civdesk.example" */
};

/* One message to build. All text UTF-8; borrowed. */
struct mail_message {
    const char *from, *to;
    const char *subject;
    const char *text; /* the plain-text part */
    const char *html; /* the HTML part (already escaped markup) */
    const char *message_id; /* "<...@...>" */
    int64_t date;           /* Unix seconds, for the Date header */
};

/* Appends the whole message (headers, CRLF line ends, multipart/alternative with base64
 * parts) to out. */
void mail_build(struct buf *out, const struct mail_message *m);
/* Appends subject as an RFC 2047 encoded-word sequence (UTF-8, base64), each word at most
 * 75 characters and never splitting a character; plain ASCII without specials stays as is. */
void mail_encode_header(struct buf *out, const char *text);

/* Sends a built message to one recipient. Negative with a one-line reason in err (the
 * SMTP server's answer, or why it could not be reached). Thread-safe. */
int mail_send(const struct mail_config *cfg, const char *to, const struct buf *message,
              struct error *err);

/* Call once before threads start (curl_global_init); mail_cleanup at exit. */
void mail_global_init(void);
void mail_global_cleanup(void);

#endif
