/*
 * regtrack._gitparse: the optional compiled reader of `git log -z` records.
 *
 * Why it exists: a first scan-git of a kernel history reads a million
 * commits, and turning git's output into rows costs regtrack's process
 * about 5 us a commit in Python, as much as git's own walk.  This module
 * does the same work in C for the common commit (an ASCII message that
 * names no upstream or reverted commit) and hands every other commit's
 * message to the Python code it replaces (regtrack.gitscan), so both give
 * the same rows; tests/test_gitparse.py compares them on generated and
 * real messages.  It is built when a C compiler is at hand when regtrack
 * is installed; without it, regtrack.gitscan parses in Python.
 *
 * The rules mirror regtrack.gitscan's patterns, on ASCII text only:
 *   trailer   "\n" [ \t]* KEY ":" [ \t]* (?=\S) VALUE-to-end-of-line,
 *             KEY one of Link, Closes, Fixes, Reported-by,
 *             Reported-and-tested-by in any case;
 *   URL       a value that starts with http:// or https:// (any case)
 *             followed by at least one non-blank: up to the next blank;
 *   link      the URL without trailing . , ; : > ) and the message-id of
 *             b4's patch.msgid.link/<id>, msgid.link/<id> or
 *             lore.kernel.org/<list>/<id>[/]; other URLs go to Python;
 *   fixes     8 to 40 hex digits ending at a non-word character, then
 *             optionally ( "subject" ) with the last such quote;
 *   reporter  the value without trailing blanks and tabs.
 * Blanks are Python's str.isspace() set for ASCII.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define FIELDS 7

static PyObject *KIND_LINK, *KIND_CLOSES, *KIND_FIXES, *KIND_REPORTED;

static int is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Whether s[0:n] starts with the lower-case word w of length len, in any case. */
static inline int starts_nocase(const char *s, Py_ssize_t n, const char *w, Py_ssize_t len)
{
    if (n < len)
        return 0;
    for (Py_ssize_t i = 0; i < len; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)w[i])
            return 0;
    return 1;
}

/* starts_nocase with a string literal. */
#define STARTS_NOCASE(s, n, word) starts_nocase((s), (n), (word), (Py_ssize_t)sizeof(word) - 1)

/* Whether the message must go to Python: any byte outside ASCII (str
 * patterns read such text by Unicode rules), or a word that may name an
 * upstream or a reverted commit (regtrack.gitscan._mentions_backport).
 * One pass: the common message is read once. */
static int needs_python(const char *m, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c >= 0x80)
            return 1;
        c = lower(c);
        if ((c == 'p' && STARTS_NOCASE(m + i + 1, n - i - 1, "stream")) ||
            (c == 'e' && STARTS_NOCASE(m + i + 1, n - i - 1, "verts")))
            return 1;
    }
    return 0;
}

static PyObject *text(const char *s, Py_ssize_t n)
{
    return PyUnicode_DecodeUTF8(s, n, "replace");
}

/* The subject: the first paragraph as one line.  NULL with no error set when
 * the paragraph holds a control character other than tab and newline (whose
 * line breaks and blanks Python's splitlines() and strip() define). */
static PyObject *subject_of(const char *head, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)head[i];
        if (c < 0x20 && c != '\t' && c != '\n')
            return NULL;
    }
    char small[256];
    char *out = n <= (Py_ssize_t)sizeof small ? small : PyMem_Malloc((size_t)n);
    if (out == NULL)
        return PyErr_NoMemory();
    Py_ssize_t used = 0, start = 0;
    int first = 1;
    while (start <= n) {
        Py_ssize_t end = start;
        while (end < n && head[end] != '\n')
            end++;
        Py_ssize_t a = start, b = end;
        while (a < b && (head[a] == ' ' || head[a] == '\t'))
            a++;
        while (b > a && (head[b - 1] == ' ' || head[b - 1] == '\t'))
            b--;
        if (!first)
            out[used++] = ' ';
        memcpy(out + used, head + a, (size_t)(b - a));
        used += b - a;
        first = 0;
        start = end + 1;
    }
    PyObject *result = PyUnicode_DecodeASCII(out, used, "strict");
    if (out != small)
        PyMem_Free(out);
    return result;
}

/* The message-id in b4's and lore's plain link forms (its start, its length in
 * *len), or NULL when the URL takes another form (Python reads those). */
static const char *plain_msgid(const char *url, Py_ssize_t n, Py_ssize_t *len)
{
    Py_ssize_t i;
    if (n >= 8 && memcmp(url, "https://", 8) == 0)
        i = 8;
    else if (n >= 7 && memcmp(url, "http://", 7) == 0)
        i = 7;
    else
        return NULL;
    const char *rest = url + i;
    Py_ssize_t left = n - i;
    if (left >= 17 && memcmp(rest, "patch.msgid.link/", 17) == 0)
        i += 17;
    else if (left >= 11 && memcmp(rest, "msgid.link/", 11) == 0)
        i += 11;
    else if (left >= 16 && memcmp(rest, "lore.kernel.org/", 16) == 0) {
        Py_ssize_t j = i + 16, k = j;
        while (k < n && (is_word((unsigned char)url[k]) || url[k] == '.' || url[k] == '-'))
            k++;
        if (k == j || k >= n || url[k] != '/')
            return NULL;
        i = k + 1;
    } else
        return NULL;
    Py_ssize_t end = n;
    if (end > i && url[end - 1] == '/')
        end--;
    Py_ssize_t at = -1;
    for (Py_ssize_t k = i; k < end; k++) {
        unsigned char c = (unsigned char)url[k];
        if (c == '/' || c == '%' || c == '<' || c == '>' || is_space(c))
            return NULL;
        if (c == '@' && k > i && k < end - 1)
            at = k;
    }
    if (at < 0)
        return NULL;
    *len = end - i;
    return url + i;
}

/* Where one commit's references go: rows (index, position, kind, value,
 * target) appended to the batch's list from row `first` on. */
struct sink {
    PyObject *refs;
    PyObject *index;
    Py_ssize_t first;
};

static int same(PyObject *one, PyObject *other)
{
    if (one == other)
        return 1;
    if (one == Py_None || other == Py_None)
        return 0;
    return PyUnicode_Compare(one, other) == 0;
}

/* Append the row of (kind, value, target) unless this commit has it already
 * (each reference once, where it first appears); steals value and target.
 * Returns 0, or -1 with an error set. */
static int add_ref(struct sink *sink, PyObject *kind, PyObject *value, PyObject *target)
{
    if (value == NULL || target == NULL) {
        Py_XDECREF(value);
        Py_XDECREF(target);
        return -1;
    }
    Py_ssize_t end = PyList_GET_SIZE(sink->refs);
    for (Py_ssize_t i = sink->first; i < end; i++) {
        PyObject *row = PyList_GET_ITEM(sink->refs, i);
        if (same(PyTuple_GET_ITEM(row, 2), kind) && same(PyTuple_GET_ITEM(row, 3), value) &&
            same(PyTuple_GET_ITEM(row, 4), target)) {
            Py_DECREF(value);
            Py_DECREF(target);
            return PyErr_Occurred() ? -1 : 0;
        }
    }
    PyObject *position = PyLong_FromSsize_t(end - sink->first);
    PyObject *row = position != NULL ? PyTuple_New(5) : NULL;
    if (row == NULL) {
        Py_XDECREF(position);
        Py_DECREF(value);
        Py_DECREF(target);
        return -1;
    }
    Py_INCREF(sink->index);
    Py_INCREF(kind);
    PyTuple_SET_ITEM(row, 0, sink->index);
    PyTuple_SET_ITEM(row, 1, position);
    PyTuple_SET_ITEM(row, 2, kind);
    PyTuple_SET_ITEM(row, 3, value);
    PyTuple_SET_ITEM(row, 4, target);
    int rc = PyList_Append(sink->refs, row);
    Py_DECREF(row);
    return rc;
}

static int link_ref(struct sink *refs, PyObject *kind, const char *url, Py_ssize_t n,
                    PyObject *named_msgid)
{
    while (n > 0 && strchr(".,;:>)", url[n - 1]) != NULL)
        n--;
    PyObject *address = text(url, n);
    if (address == NULL)
        return -1;
    Py_ssize_t len = 0;
    const char *id = plain_msgid(url, n, &len);
    PyObject *target = id != NULL ? text(id, len) : PyObject_CallOneArg(named_msgid, address);
    Py_INCREF(address);
    int rc = add_ref(refs, kind, address, target);
    Py_DECREF(address);
    return rc;
}

static int fixes_ref(struct sink *refs, const char *v, Py_ssize_t n)
{
    Py_ssize_t hex = 0;
    while (hex < n && is_hex((unsigned char)v[hex]))
        hex++;
    if (hex < 8 || hex > 40 || (hex < n && is_word((unsigned char)v[hex])))
        return 0;
    char sha[40];
    for (Py_ssize_t i = 0; i < hex; i++)
        sha[i] = (char)lower((unsigned char)v[i]);
    PyObject *subject = NULL;
    Py_ssize_t i = hex;
    while (i < n && is_space((unsigned char)v[i]))
        i++;
    if (i < n && v[i] == '(') {
        i++;
        while (i < n && is_space((unsigned char)v[i]))
            i++;
        if (i < n && v[i] == '"') {
            Py_ssize_t open = i;
            for (Py_ssize_t close = n - 1; close > open; close--) {
                if (v[close] != '"')
                    continue;
                Py_ssize_t k = close + 1;
                while (k < n && is_space((unsigned char)v[k]))
                    k++;
                if (k < n && v[k] == ')') {
                    subject = text(v + open + 1, close - open - 1);
                    if (subject == NULL)
                        return -1;
                    break;
                }
            }
        }
    }
    if (subject == NULL) {
        subject = Py_None;
        Py_INCREF(subject);
    }
    return add_ref(refs, KIND_FIXES, PyUnicode_DecodeASCII(sha, hex, "strict"), subject);
}

/* The kind of the trailer key s starts with (its length and colon in *len),
 * or NULL. */
static PyObject *trailer_key(const char *s, Py_ssize_t n, Py_ssize_t *len)
{
    if (n < 5)
        return NULL;
    switch (lower((unsigned char)s[0])) {
    case 'l':
        *len = 5;
        return STARTS_NOCASE(s, n, "link:") ? KIND_LINK : NULL;
    case 'c':
        *len = 7;
        return STARTS_NOCASE(s, n, "closes:") ? KIND_CLOSES : NULL;
    case 'f':
        *len = 6;
        return STARTS_NOCASE(s, n, "fixes:") ? KIND_FIXES : NULL;
    case 'r':
        if (STARTS_NOCASE(s, n, "reported-by:")) {
            *len = 12;
            return KIND_REPORTED;
        }
        *len = 23;
        return STARTS_NOCASE(s, n, "reported-and-tested-by:") ? KIND_REPORTED : NULL;
    default:
        return NULL;
    }
}

/* The references of an ASCII body that names no upstream or reverted commit,
 * from the newline at m[start] on: one trailer a line, each at most once, in
 * order.  Returns 0, or -1 with an error set. */
static int refs_of(struct sink *refs, const char *m, Py_ssize_t n, Py_ssize_t start,
                   PyObject *named_msgid)
{
    for (Py_ssize_t nl = start; nl < n; nl++) {
        if (m[nl] != '\n')
            continue;
        Py_ssize_t i = nl + 1;
        while (i < n && (m[i] == ' ' || m[i] == '\t'))
            i++;
        Py_ssize_t keylen = 0;
        PyObject *kind = trailer_key(m + i, n - i, &keylen);
        if (kind == NULL)
            continue;
        i += keylen;
        while (i < n && (m[i] == ' ' || m[i] == '\t'))
            i++;
        if (i >= n || is_space((unsigned char)m[i]))
            continue;
        Py_ssize_t end = i;
        while (end < n && m[end] != '\n')
            end++;
        const char *v = m + i;
        Py_ssize_t len = end - i;
        int rc = 0;
        if (kind == KIND_LINK || kind == KIND_CLOSES) {
            Py_ssize_t scheme = STARTS_NOCASE(v, len, "https://") ? 8
                              : STARTS_NOCASE(v, len, "http://")  ? 7
                                                                       : 0;
            Py_ssize_t u = scheme;
            while (scheme && u < len && !is_space((unsigned char)v[u]))
                u++;
            if (scheme && u > scheme)
                rc = link_ref(refs, kind, v, u, named_msgid);
        } else if (kind == KIND_FIXES)
            rc = fixes_ref(refs, v, len);
        else {
            Py_ssize_t b = len;
            while (b > 0 && (v[b - 1] == ' ' || v[b - 1] == '\t'))
                b--;
            Py_INCREF(Py_None);
            rc = add_ref(refs, kind, text(v, b), Py_None);
        }
        if (rc < 0)
            return -1;
        nl = end - 1;
    }
    return 0;
}

/* The rows of the references `fallback` found, which it gives as (kind,
 * value, target). */
static int add_found(struct sink *refs, PyObject *found)
{
    PyObject *list = PySequence_Fast(found, "references must be a sequence");
    if (list == NULL)
        return -1;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(list);
    for (Py_ssize_t p = 0; p < count; p++) {
        PyObject *kind, *value, *target;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(list, p), "UUO", &kind, &value, &target)) {
            Py_DECREF(list);
            return -1;
        }
        PyObject *row = Py_BuildValue("(OnOOO)", refs->index, p, kind, value, target);
        if (row == NULL || PyList_Append(refs->refs, row) < 0) {
            Py_XDECREF(row);
            Py_DECREF(list);
            return -1;
        }
        Py_DECREF(row);
    }
    Py_DECREF(list);
    return 0;
}

/* The subject of the message, its references added to `refs`: in C, or by the
 * Python function `fallback` for the messages C leaves to it. */
static PyObject *message_fields(struct sink *refs, const char *m, Py_ssize_t n,
                                PyObject *fallback, PyObject *named_msgid)
{
    PyObject *subject = NULL;
    Py_ssize_t cut = -1;
    if (!needs_python(m, n)) {
        while (n > 0 && m[0] == '\n') {
            m++;
            n--;
        }
        const char *pair = n > 1 ? memchr(m, '\n', (size_t)n) : NULL;
        while (pair != NULL && pair + 1 < m + n && pair[1] != '\n')
            pair = memchr(pair + 1, '\n', (size_t)(m + n - pair - 1));
        cut = pair != NULL && pair + 1 < m + n ? pair - m : -1;
        Py_ssize_t head = cut;
        if (cut < 0)
            for (head = n; head > 0 && m[head - 1] == '\n'; head--)
                ;
        subject = subject_of(m, head);
        if (subject == NULL && PyErr_Occurred())
            return NULL;
    }
    if (subject == NULL) {
        PyObject *message = text(m, n);
        if (message == NULL)
            return NULL;
        PyObject *fields = PyObject_CallOneArg(fallback, message);
        Py_DECREF(message);
        PyObject *found;
        if (fields == NULL || !PyArg_ParseTuple(fields, "UO", &subject, &found)) {
            Py_XDECREF(fields);
            return NULL;
        }
        Py_INCREF(subject);
        int rc = add_found(refs, found);
        Py_DECREF(fields);
        if (rc < 0) {
            Py_DECREF(subject);
            return NULL;
        }
        return subject;
    }
    if (cut >= 0 && refs_of(refs, m, n, cut + 1, named_msgid) < 0) {
        Py_DECREF(subject);
        return NULL;
    }
    return subject;
}

static int is_sha(const char *s, Py_ssize_t n)
{
    if (n != 40)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int add_commit(PyObject *commits, PyObject *refs, Py_ssize_t index, const char **field,
                      const Py_ssize_t *size, PyObject *fallback, PyObject *named_msgid)
{
    struct sink sink = {refs, PyLong_FromSsize_t(index), PyList_GET_SIZE(refs)};
    if (sink.index == NULL)
        return -1;
    PyObject *subject = message_fields(&sink, field[6], size[6], fallback, named_msgid);
    Py_DECREF(sink.index);
    if (subject == NULL)
        return -1;
    PyObject *row = PyTuple_New(FIELDS);
    if (row == NULL) {
        Py_DECREF(subject);
        return -1;
    }
    PyTuple_SET_ITEM(row, FIELDS - 1, subject);
    for (int f = 0; f < FIELDS - 1; f++) {
        PyObject *value = text(field[f], size[f]);
        if (value == NULL) {
            Py_DECREF(row);
            return -1;
        }
        PyTuple_SET_ITEM(row, f, value);
    }
    int rc = PyList_Append(commits, row);
    Py_DECREF(row);
    return rc;
}

PyDoc_STRVAR(parse_doc,
"parse(data, start, count, index, commits, refs, fallback, named_msgid) -> int\n\n"
"Read up to count records of `git log -z` output (7 NUL-ended fields each) from\n"
"data[start:], appending a row per commit to commits and its references, as\n"
"(index, position, kind, value, target), to refs; index numbers the first one.\n"
"fallback(message) gives (subject, refs) of a message C leaves to Python and\n"
"named_msgid(url) the message-id of a link of another form.  Returns where\n"
"the next record starts.  ValueError (the field's text) for a record whose\n"
"first field is not a commit id or that data does not hold whole.");

static PyObject *parse(PyObject *module, PyObject *args)
{
    Py_buffer data;
    Py_ssize_t start, count, index;
    PyObject *commits, *refs, *fallback, *named_msgid;
    if (!PyArg_ParseTuple(args, "y*nnnO!O!OO", &data, &start, &count, &index, &PyList_Type,
                          &commits, &PyList_Type, &refs, &fallback, &named_msgid))
        return NULL;
    const char *buf = data.buf;
    Py_ssize_t len = data.len, pos = start;
    if (pos < 0 || pos > len) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "start out of range");
        return NULL;
    }
    for (Py_ssize_t done = 0; done < count && pos < len; done++) {
        const char *field[FIELDS];
        Py_ssize_t size[FIELDS];
        for (int f = 0; f < FIELDS; f++) {
            const char *end = memchr(buf + pos, '\0', (size_t)(len - pos));
            if (end == NULL) {
                PyBuffer_Release(&data);
                PyErr_SetString(PyExc_ValueError, "a record is cut short");
                return NULL;
            }
            field[f] = buf + pos;
            size[f] = end - (buf + pos);
            pos += size[f] + 1;
        }
        if (!is_sha(field[0], size[0])) {
            PyObject *bad = text(field[0], size[0] < 60 ? size[0] : 60);
            if (bad != NULL) {
                PyErr_SetObject(PyExc_ValueError, bad);
                Py_DECREF(bad);
            }
            PyBuffer_Release(&data);
            return NULL;
        }
        if (add_commit(commits, refs, index + done, field, size, fallback, named_msgid) < 0) {
            PyBuffer_Release(&data);
            return NULL;
        }
    }
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(pos);
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS, parse_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "regtrack._gitparse",
    "The optional compiled reader of git log records (see regtrack.gitscan).", -1, methods,
};

PyMODINIT_FUNC PyInit__gitparse(void)
{
    KIND_LINK = PyUnicode_InternFromString("link");
    KIND_CLOSES = PyUnicode_InternFromString("closes");
    KIND_FIXES = PyUnicode_InternFromString("fixes");
    KIND_REPORTED = PyUnicode_InternFromString("reported-by");
    if (!KIND_LINK || !KIND_CLOSES || !KIND_FIXES || !KIND_REPORTED)
        return NULL;
    return PyModule_Create(&module);
}
