/* Validation of value types. */
#include "core/valid.h"
#include "core/iso.h"
#include "core/limits.h"

#include <stdlib.h>
#include <string.h>

static const struct iso_entry *iso_find(const struct iso_entry *t, size_t n, struct str code)
{
    if (code.n != 2)
        return NULL;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(t[mid].code, code.p, 2);
        if (c == 0)
            return &t[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool valid_country(struct str s)
{
    return iso_find(iso_countries, iso_countries_count, s) != NULL;
}

const char *country_name(struct str code)
{
    const struct iso_entry *e = iso_find(iso_countries, iso_countries_count, code);
    return e ? e->name : NULL;
}

size_t country_count(void)
{
    return iso_countries_count;
}

const char *country_code_at(size_t i)
{
    return i < iso_countries_count ? iso_countries[i].code : NULL;
}

bool valid_lang(struct str s)
{
    return iso_find(iso_languages, iso_languages_count, s) != NULL;
}

static bool is_ctl_or_space(unsigned char c)
{
    return c <= 0x20 || c == 0x7F;
}

bool valid_email(struct str s)
{
    if (s.n < 3 || s.n > LIMIT_EMAIL)
        return false;
    const char *at = memchr(s.p, '@', s.n);
    if (!at || at == s.p || memchr(at + 1, '@', s.n - (size_t)(at - s.p) - 1))
        return false;
    size_t local = (size_t)(at - s.p), dom = s.n - local - 1;
    if (local > 64 || dom < 3)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (is_ctl_or_space(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
            c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ':')
            return false;
    }
    const char *d = at + 1;
    if (d[0] == '.' || d[0] == '-' || d[dom - 1] == '.' || d[dom - 1] == '-')
        return false;
    const char *dot = memchr(d, '.', dom);
    if (!dot)
        return false;
    for (size_t i = 1; i < dom; i++)
        if (d[i] == '.' && d[i - 1] == '.')
            return false;
    return true;
}

bool valid_http_url(struct str s)
{
    size_t skip;
    if (s.n > LIMIT_URL_FIELD)
        return false;
    if (str_starts_with(s, "https://"))
        skip = 8;
    else if (str_starts_with(s, "http://"))
        skip = 7;
    else
        return false;
    /* The whole URL is checked, not only the host: a space, quote or line break in the
     * path would break the HTML attribute or header it ends up in. */
    size_t host = 0;
    bool in_host = true;
    for (size_t i = skip; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (is_ctl_or_space(c) || c == '"' || c == '<' || c == '>' || c == '\\')
            return false;
        if (c == '/' || c == '?' || c == '#')
            in_host = false;
        if (in_host)
            host++;
    }
    if (host == 0 || s.p[skip] == '.' || s.p[skip] == ':' || s.p[skip] == '@')
        return false;
    return true;
}

/* ---- characters in text ------------------------------------------------------------- */

/* Unicode's format characters (general category Cf) that can make text read otherwise
 * than it is: bidirectional overrides, embeddings and isolates, zero-width characters,
 * invisible operators, the BOM, interlinear annotation, tags. */
static const struct {
    uint32_t lo, hi;
} format_chars[] = {
    {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C}, {0x06DD, 0x06DD},
    {0x070F, 0x070F},   {0x180E, 0x180E},   {0x200B, 0x200F}, {0x202A, 0x202E},
    {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
    {0x110BD, 0x110BD}, {0xE0001, 0xE007F},
};

static bool is_format_char(uint32_t c)
{
    for (size_t i = 0; i < ARRAY_SIZE(format_chars); i++)
        if (c >= format_chars[i].lo && c <= format_chars[i].hi)
            return true;
    return false;
}

/* The code point at s[*i] (valid UTF-8 assumed), advancing *i past it. */
static uint32_t next_code_point(const unsigned char *s, size_t n, size_t *i)
{
    uint32_t c = s[*i];
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (*i + len > n)
        len = n - *i;
    if (len > 1)
        c &= 0xFF >> (len + 1);
    for (size_t k = 1; k < len; k++)
        c = (c << 6) | (s[*i + k] & 0x3F);
    *i += len;
    return c;
}

const char *text_chars_problem(const char *text, size_t n, unsigned rules)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        uint32_t c = next_code_point(s, n, &i);
        bool line = c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
        if (line && (rules & TEXT_ONE_LINE))
            return "contains a line break (CR or LF): it must be one line";
        if (c == '\t' && (rules & TEXT_NO_FORMAT))
            return "contains control characters (a tab)";
        if (((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F)))
            return "contains control characters";
        if ((rules & TEXT_NO_FORMAT) && is_format_char(c))
            return "contains invisible format characters (such as a right-to-left override)";
    }
    return NULL;
}
