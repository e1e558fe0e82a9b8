/*
 * CSV in and out: a streaming reader over libcsv that knows physical line numbers, cell
 * quoting for writers, list cells ("a|b|c"), and the name normalisation used to spot
 * duplicates.
 */
#include "io/internal.h"
#include "core/limits.h"
#include "json/json.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader ------------------------------------------------------------------------- */

struct csv_reader {
    struct csv_parser p;
    csv_row_fn fn;
    void *arg;
    bool started;        /* the first line was seen: BOM skipped, delimiter chosen */
    struct buf head;     /* input held back until the first line is complete */
    size_t head_scanned; /* bytes of head looked at for the end of the first line */
    bool head_quoted;    /* ... and whether a quoted cell is open there */
    char delim;
    bool pending_cr;  /* the last piece fed ended in CR; an LF may follow in the next */
    size_t line;      /* physical line of the piece being fed (1-based) */
    size_t rec_start; /* line where the record in progress starts */
    size_t rec_bytes; /* bytes fed since the last record ended */
    bool ended;       /* a record (or blank line) ended during the current piece */
    struct buf data;  /* the cells of the record in progress, back to back */
    size_t *ends;     /* end offset of each cell in data */
    size_t nends, cap;
    struct str *cells; /* views handed to the callback */
    size_t cells_cap;
    int stop;          /* non-zero value the callback returned */
    size_t error_line; /* the line the last failure is about */
};

static void on_cell(void *p, size_t n, void *arg)
{
    struct csv_reader *r = arg;
    if (r->stop)
        return;
    if (r->nends == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        size_t *e = realloc(r->ends, cap * sizeof(*e));
        if (!e)
            die("out of memory");
        r->ends = e;
        r->cap = cap;
    }
    buf_append(&r->data, p ? p : "", n);
    r->ends[r->nends++] = r->data.n;
}

static void on_record(int c, void *arg)
{
    struct csv_reader *r = arg;
    r->ended = true;
    r->rec_bytes = 0;
    if (r->nends && !r->stop) {
        if (r->cells_cap < r->nends) {
            free(r->cells);
            r->cells_cap = r->nends;
            r->cells = malloc(r->cells_cap * sizeof(*r->cells));
            if (!r->cells)
                die("out of memory");
        }
        size_t start = 0;
        const char *base = r->data.p ? r->data.p : "";
        for (size_t i = 0; i < r->nends; i++) {
            r->cells[i] = (struct str){base + start, r->ends[i] - start};
            start = r->ends[i];
        }
        r->stop = r->fn(r->arg, r->rec_start, r->cells, r->nends);
    }
    /* A blank line, or the LF of a CRLF (libcsv reports both), ends nothing new: either
     * way the next record starts on the next physical line. */
    r->nends = 0;
    buf_reset(&r->data);
    r->rec_start = r->line + 1;
    (void)c;
}

struct csv_reader *csv_reader_new(csv_row_fn fn, void *arg)
{
    struct csv_reader *r = calloc(1, sizeof(*r));
    if (!r)
        die("out of memory");
    if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
        die("out of memory");
    r->fn = fn;
    r->arg = arg;
    r->delim = ',';
    r->line = 1;
    r->rec_start = 1;
    return r;
}

void csv_reader_free(struct csv_reader *r)
{
    if (!r)
        return;
    csv_free(&r->p);
    buf_release(&r->head);
    buf_release(&r->data);
    free(r->ends);
    free(r->cells);
    free(r);
}

char csv_reader_delim(const struct csv_reader *r)
{
    return r->delim;
}

/* Feeds one piece that lies within one physical line (it ends at a line break or at the
 * end of what the caller gave). */
static int feed_piece(struct csv_reader *r, const char *p, size_t n, struct error *err)
{
    r->ended = false;
    size_t done = csv_parse(&r->p, p, n, on_cell, on_record, r);
    if (r->stop)
        return r->stop;
    if (done < n) {
        r->error_line = r->line;
        if (csv_error(&r->p) == CSV_EPARSE)
            return error_set(err, "a quote inside an unquoted cell, or text after a closing "
                                  "quote (quote the whole cell and double the quotes in it)");
        return error_set(err, "%s", csv_strerror(csv_error(&r->p)));
    }
    if (!r->ended)
        r->rec_bytes += n;
    if (r->rec_bytes > LIMIT_CSV_RECORD) {
        /* libcsv holds at most this plus one piece: the limit bounds its memory. */
        r->error_line = r->rec_start;
        return error_set(err, "the record is longer than %d bytes; is a quoted cell left open?",
                         LIMIT_CSV_RECORD);
    }
    return 0;
}

/* Splits p at line breaks (LF, CRLF, lone CR) and feeds line by line, numbering lines. */
static int feed_lines(struct csv_reader *r, const char *p, size_t n, struct error *err)
{
    int rc;
    if (r->pending_cr && n) {
        r->pending_cr = false;
        if (p[0] == '\n') { /* the LF completing a CRLF split across two reads */
            if ((rc = feed_piece(r, "\n", 1, err)))
                return rc;
            p++, n--;
        }
        r->line++;
    }
    while (n) {
        size_t i = 0;
        while (i < n && p[i] != '\n' && p[i] != '\r')
            i++;
        if (i == n) /* the rest of a line that continues in the next read */
            return feed_piece(r, p, n, err);
        bool cr = p[i] == '\r';
        if (cr && i + 1 == n) {
            /* Whether an LF follows is only known with the next read: feed the CR now,
             * count the line then. */
            r->pending_cr = true;
            return feed_piece(r, p, n, err);
        }
        size_t len = i + 1 + (cr && p[i + 1] == '\n');
        if ((rc = feed_piece(r, p, len, err)))
            return rc;
        r->line++;
        p += len;
        n -= len;
    }
    return 0;
}

/* Skips a BOM and picks the delimiter from the first line; then feeds what was held. */
static int start(struct csv_reader *r, struct error *err)
{
    const char *p = r->head.p ? r->head.p : "";
    size_t n = r->head.n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3, n -= 3;
    size_t commas = 0, semis = 0;
    bool quoted = false;
    for (size_t i = 0; i < n && (quoted || (p[i] != '\n' && p[i] != '\r')); i++) {
        if (p[i] == '"')
            quoted = !quoted;
        else if (!quoted && p[i] == ',')
            commas++;
        else if (!quoted && p[i] == ';')
            semis++;
    }
    r->delim = semis > commas ? ';' : ',';
    csv_set_delim(&r->p, (unsigned char)r->delim);
    r->started = true;
    int rc = feed_lines(r, p, n, err);
    buf_release(&r->head);
    return rc;
}

int csv_reader_feed(struct csv_reader *r, const char *p, size_t n, struct error *err)
{
    if (r->stop)
        return r->stop;
    if (r->started)
        return feed_lines(r, p, n, err);
    buf_append(&r->head, p, n);
    /* The first line ends at a line break outside quotes, as start() reads it: a line
     * break inside a quoted cell does not end it, however the input is cut into pieces. */
    const char *h = r->head.p ? r->head.p : "";
    bool complete = false;
    for (; r->head_scanned < r->head.n && !complete; r->head_scanned++) {
        char c = h[r->head_scanned];
        if (c == '"')
            r->head_quoted = !r->head_quoted;
        else if (!r->head_quoted && (c == '\n' || c == '\r'))
            complete = true;
    }
    if (complete || r->head.n > LIMIT_CSV_RECORD)
        return start(r, err);
    return 0;
}

int csv_reader_finish(struct csv_reader *r, struct error *err)
{
    int rc;
    if (r->stop)
        return r->stop;
    if (!r->started && (rc = start(r, err)))
        return rc;
    if (r->pending_cr) {
        r->pending_cr = false;
        r->line++;
    }
    size_t open_line = r->rec_start;
    if (csv_fini(&r->p, on_cell, on_record, r) != 0) {
        r->error_line = open_line;
        return error_set(err, "a quoted cell is never closed (a quote is missing)");
    }
    return r->stop;
}

size_t csv_reader_error_line(const struct csv_reader *r)
{
    return r->error_line;
}

/* ---- writer ------------------------------------------------------------------------- */

/* The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
 * Injection"): = + - @, and tab or carriage return, which Excel skips before them. */
static bool formula_char(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Whether a cell gets an apostrophe in front: it starts with a formula character, or is
 * itself an apostrophe before one (or before another apostrophe), so that
 * csv_unneutralise() gives every value back unchanged. */
static bool needs_apostrophe(const char *p, size_t n)
{
    if (n == 0)
        return false;
    if (formula_char(p[0]))
        return true;
    return p[0] == '\'' && n > 1 && (formula_char(p[1]) || p[1] == '\'');
}

struct str csv_unneutralise(struct str cell)
{
    if (cell.n > 1 && cell.p[0] == '\'' && (formula_char(cell.p[1]) || cell.p[1] == '\''))
        return (struct str){cell.p + 1, cell.n - 1};
    return cell;
}

void csv_put_cell(struct buf *out, const char *p, size_t n, char delim)
{
    bool apostrophe = needs_apostrophe(p, n);
    /* Blanks at either end too: libcsv trims them from unquoted cells when reading. */
    bool quote = n && (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t');
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote) {
        if (apostrophe)
            buf_putc(out, '\'');
        buf_append(out, p, n);
        return;
    }
    buf_grow(out, n + 8);
    buf_putc(out, '"');
    if (apostrophe)
        buf_putc(out, '\'');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            buf_append(out, p + run, i + 1 - run); /* the quote, then its double */
            buf_putc(out, '"');
            run = i + 1;
        }
    }
    buf_append(out, p + run, n - run);
    buf_putc(out, '"');
}

/* Appends one list item with IO_LIST_SEP and backslash escaped. */
static void put_item(struct buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == IO_LIST_SEP || p[i] == '\\')
            buf_putc(b, '\\');
        buf_putc(b, p[i]);
    }
}

void io_list_join(struct buf *out, const char *json, size_t n)
{
    json_t *arr = json_loadb(json, n, 0, NULL);
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (i)
            buf_putc(out, IO_LIST_SEP);
        if (json_is_string(item))
            put_item(out, json_string_value(item), json_string_length(item));
        else if (json_is_integer(item))
            buf_printf(out, "%lld", (long long)json_integer_value(item));
    }
    json_decref(arr);
}

void csv_put_list(struct buf *out, const char *json, size_t n, char delim)
{
    struct buf cell = BUF_INIT;
    io_list_join(&cell, json, n);
    csv_put_cell(out, cell.p ? cell.p : "", cell.n, delim);
    buf_release(&cell);
}

/* ---- list cells --------------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int io_list_from_cell(const struct field *f, struct str cell, struct arena *a, struct value *out,
                      const char **message)
{
    int64_t max = f->max ? f->max : LIMIT_ARRAY_ITEMS;
    struct buf json = BUF_INIT, item = BUF_INIT;
    struct jw w;
    jw_init(&w, &json);
    jw_arr(&w);
    int64_t count = 0;
    int64_t *ids = NULL;
    const char *why = NULL;
    size_t i = 0;
    memset(out, 0, sizeof(*out));
    while (!why) {
        /* One item: up to an unescaped separator or the end of the cell. */
        buf_reset(&item);
        bool sep = false;
        for (; i < cell.n; i++) {
            char c = cell.p[i];
            if (c == '\\' && i + 1 < cell.n &&
                (cell.p[i + 1] == IO_LIST_SEP || cell.p[i + 1] == '\\')) {
                buf_putc(&item, cell.p[++i]);
            } else if (c == IO_LIST_SEP) {
                sep = true;
                i++;
                break;
            } else {
                buf_putc(&item, c);
            }
        }
        struct str s = buf_str(&item);
        while (s.n && is_blank(s.p[0]))
            s.p++, s.n--;
        while (s.n && is_blank(s.p[s.n - 1]))
            s.n--;
        if (s.n == 0) {
            why = "has an empty item (items are separated by |)";
            break;
        }
        if (++count > max) {
            why = "has too many items";
            break;
        }
        struct value v;
        if (value_from_text(f, s, a, &v, &why) < 0)
            break;
        if (f->type == FT_REF_LIST) {
            if (!ids)
                ids = arena_alloc(a, sizeof(*ids) * (size_t)max);
            for (int64_t k = 0; k < count - 1; k++)
                if (ids[k] == v.i)
                    why = "lists the same id twice";
            ids[count - 1] = v.i;
            jw_int(&w, v.i);
        } else {
            jw_strn(&w, v.s, v.n);
        }
        if (!sep)
            break;
    }
    jw_arr_end(&w);
    if (!why) {
        out->null = false;
        out->s = arena_strndup(a, json.p, json.n);
        out->n = json.n;
    }
    buf_release(&json);
    buf_release(&item);
    *message = why;
    return why ? -1 : 0;
}

/* ---- names for duplicate detection -------------------------------------------------- */

/* Decodes one code point of valid UTF-8 at p; *len gets its length (1 on a bad byte). */
static uint32_t decode(const unsigned char *p, size_t n, size_t *len)
{
    uint32_t c = p[0];
    size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (l > n || (c >= 0x80 && c < 0xC2)) {
        *len = 1;
        return 0xFFFD;
    }
    if (l > 1)
        c &= 0x3F >> (l - 1);
    for (size_t i = 1; i < l; i++)
        c = (c << 6) | (p[i] & 0x3F);
    *len = l;
    return c;
}

static void encode(struct buf *b, uint32_t c)
{
    if (c < 0x80) {
        buf_putc(b, (char)c);
    } else if (c < 0x800) {
        buf_putc(b, (char)(0xC0 | (c >> 6)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        buf_putc(b, (char)(0xE0 | (c >> 12)));
        buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    } else {
        buf_putc(b, (char)(0xF0 | (c >> 18)));
        buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
        buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    }
}

/* Lower case for the scripts names here are written in; 0 for what is not a letter or
 * digit (punctuation, spaces, symbols, quotes of every kind). */
static uint32_t fold(uint32_t c)
{
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z')
            return c + 32;
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : 0;
    }
    if (c < 0xC0 || c == 0xD7 || c == 0xF7)
        return 0; /* Latin-1 punctuation: « » NBSP § ... and × ÷ */
    if (c <= 0xDE)
        return c + 32;
    if (c >= 0x391 && c <= 0x3A9)
        return c + 32; /* Greek capitals */
    if (c >= 0x400 && c <= 0x40F)
        c += 80; /* Ѐ..Џ */
    else if (c >= 0x410 && c <= 0x42F)
        c += 32; /* А..Я */
    if (c == 0x451)
        return 0x435; /* ё → е */
    if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) || c == 0xFEFF)
        return 0; /* general punctuation, symbols, CJK and full-width punctuation */
    return c;
}

void io_normalise_into(struct buf *out, struct str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t n = s.n;
    buf_grow(out, n);
    while (n) {
        size_t len;
        uint32_t c = p[0] < 0x80 ? (len = 1, p[0]) : decode(p, n, &len);
        c = fold(c);
        if (c && c != 0xFFFD) {
            if (c < 0x80)
                buf_putc(out, (char)c);
            else
                encode(out, c);
        }
        p += len;
        n -= len;
    }
}

struct str io_normalise_name(struct str s, struct arena *a)
{
    struct buf b = BUF_INIT;
    io_normalise_into(&b, s);
    struct str out = {arena_strndup(a, b.p ? b.p : "", b.n), b.n};
    buf_release(&b);
    return out;
}

/* ---- small parsers ------------------------------------------------------------------ */

int io_dup_policy_parse(const char *s, enum io_dup_policy *out)
{
    static const char *const names[] = {"error", "skip", "update"};
    for (size_t i = 0; s && i < ARRAY_SIZE(names); i++)
        if (strcmp(s, names[i]) == 0)
            return *out = (enum io_dup_policy)i, 0;
    return -1;
}

int io_format_parse(const char *s, enum io_format *out)
{
    static const char *const names[] = {"csv", "json", "xlsx"};
    for (size_t i = 0; s && i < ARRAY_SIZE(names); i++)
        if (strcmp(s, names[i]) == 0)
            return *out = (enum io_format)i, 0;
    return -1;
}
