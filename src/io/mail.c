/*
 * E-mail: building RFC 5322 / MIME messages and sending them with libcurl's SMTP.
 */
#define _GNU_SOURCE
#include "io/mail.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void mail_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mail_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- building ----------------------------------------------------------------------- */

static void put_base64(struct buf *out, const unsigned char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    buf_grow(out, cap);
    sodium_bin2base64(out->p + out->n, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    out->n += strlen(out->p + out->n);
}

/* A body part as base64 in lines of 76 characters (RFC 2045). */
static void put_base64_lines(struct buf *out, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 57) {
        put_base64(out, (const unsigned char *)s + i, n - i < 57 ? n - i : 57);
        buf_puts(out, "\r\n");
    }
}

static bool header_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80 || *p < 0x20 || *p == '=' || *p == '?')
            return false;
    return strlen(s) <= 70;
}

void mail_encode_header(struct buf *out, const char *text)
{
    if (header_safe(text)) {
        buf_puts(out, text);
        return;
    }
    /* "=?UTF-8?B?" + base64 + "?=" within 75: at most 45 bytes (60 base64 chars) a word,
     * cut before a UTF-8 continuation byte so no character is split. */
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text), i = 0;
    bool first = true;
    while (i < n) {
        size_t take = n - i < 45 ? n - i : 45;
        while (take > 0 && i + take < n && (p[i + take] & 0xC0) == 0x80)
            take--;
        if (!first)
            buf_puts(out, "\r\n ");
        buf_puts(out, "=?UTF-8?B?");
        put_base64(out, p + i, take);
        buf_puts(out, "?=");
        i += take;
        first = false;
    }
}

void mail_build(struct buf *out, const struct mail_message *m)
{
    char date[64], boundary[40];
    struct tm tm;
    time_t t = (time_t)m->date;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    unsigned char rnd[12];
    randombytes_buf(rnd, sizeof(rnd));
    char hex[25];
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    snprintf(boundary, sizeof(boundary), "=_civdesk_%s", hex);

    buf_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: %s\r\nSubject: ", date, m->from,
               m->to, m->message_id);
    mail_encode_header(out, m->subject);
    buf_printf(out,
               "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
               "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
               "This is a message in MIME format.\r\n\r\n--%s\r\n"
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n",
               boundary, boundary);
    put_base64_lines(out, m->text);
    buf_printf(out,
               "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n",
               boundary);
    put_base64_lines(out, m->html);
    buf_printf(out, "\r\n--%s--\r\n", boundary);
}

/* ---- sending ------------------------------------------------------------------------ */

struct reader {
    const char *p;
    size_t left;
};

static size_t read_cb(char *dest, size_t size, size_t nmemb, void *arg)
{
    struct reader *r = arg;
    size_t n = size * nmemb < r->left ? size * nmemb : r->left;
    memcpy(dest, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

/* Reads "user:password" (one line) from path into out (cap bytes). */
static int read_credentials(const char *path, char *out, size_t cap, struct error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set(err, "cannot read the SMTP credentials file %s", path);
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    size_t n = ok ? strlen(out) : 0;
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    if (!n || !strchr(out, ':')) {
        sodium_memzero(out, cap);
        return error_set(err, "the SMTP credentials file %s must hold user:password", path);
    }
    return 0;
}

int mail_send(const struct mail_config *cfg, const char *to, const struct buf *message,
              struct error *err)
{
    if (!cfg->smtp_url || !cfg->from)
        return error_set(err, "no SMTP server configured");
    char cred[512] = "";
    if (cfg->credentials && read_credentials(cfg->credentials, cred, sizeof(cred), err) < 0)
        return -1;
    CURL *curl = curl_easy_init();
    if (!curl) {
        sodium_memzero(cred, sizeof(cred));
        return error_set(err, "libcurl could not start");
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct reader rd = {message->p, message->n};
    char *from = NULL;
    if (asprintf(&from, "<%s>", cfg->from) < 0)
        die("out of memory");
    curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    /* STARTTLS when the server offers it; required when a password would travel, and when
     * the operator named the relay's own CA (a relay expected to speak TLS must not be
     * talked to in the clear). The certificate and host name are always verified. */
    curl_easy_setopt(curl, CURLOPT_USE_SSL,
                     cred[0] || cfg->ca_file ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_file);
    if (cred[0])
        curl_easy_setopt(curl, CURLOPT_USERPWD, cred);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(curl, CURLOPT_READDATA, &rd);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)message->n);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    int out = 0;
    if (rc != CURLE_OK)
        out = error_set(err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    free(from);
    sodium_memzero(cred, sizeof(cred));
    return out;
}
