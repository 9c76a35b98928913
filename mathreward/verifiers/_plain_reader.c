/* The commonest readings of extraction.plain_fallback, compiled: a response cut without an answer whose final answer
 * is the last math span of its last sentence that holds math, or, when that sentence holds no span, its trailing
 * number or expression (a rollout cut inside its last formula).
 *
 * read(response) gives (start, end, last_number, place, ...): start and end of the answer in the response (what
 * plain_fallback would return, on path last_number when that is 1, else math_span), where commitment.plain_review
 * reads on after it (see review_place) and what it looks at there (see look_after); or None whenever the reading is
 * anything else or the text holds anything this reader does not follow, hidden text included (then the Python code
 * reads it, under the same rules). It follows extraction.py step for step: plain_fallback's checks, _fallback_start
 * (brackets only: no "$$", "\(", "\)", "\$" or "\\" anywhere), _quick_spans (a "$" before an amount that may be
 * a price is left to Python), _plain_on's common case and _fallback_on's trailing expression. Every loop moves
 * forward or backward through the text once (a few times at most): linear steps, bounded by TAIL_CHARS; steps()
 * gives their count for the tests' scanner pump.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define TAIL_CHARS 32768
#define FALLBACK_CHARS 512
#define MAX_BOUNDARY_CHARS 2048
#define MAX_SPAN_CHARS 2048
#define MAX_ANSWER_CHARS 1024
#define SENTENCE_CHARS 1024
#define MAX_BARE_CHARS 100

/* the commands after a backslash that end this reader: a box (\\boxed, \\fbox) and the ones commitment.visible_text
 * takes hidden text out from (its _HIDING_COMMAND_RE) */
static const char *REFUSED[] = {"boxed", "fbox", "phantom", "hphantom", "vphantom", "textcolor", "color", "iffalse"};
#define REFUSED_COUNT (sizeof(REFUSED) / sizeof(REFUSED[0]))

/* whether s[i:n] starts with word */
static int starts(const char *s, Py_ssize_t n, Py_ssize_t i, const char *word) {
    for (Py_ssize_t k = 0; word[k]; k++) {
        if (i + k >= n || s[i + k] != word[k]) return 0;
    }
    return 1;
}

/* extraction's _ASCII_MARKER_WORDS: a label needs its colon */
static const char *MARKER_WORDS[] = {"answer", "reponse", "antwort", "respuesta", "resposta", "risposta"};
#define MARKER_COUNT (sizeof(MARKER_WORDS) / sizeof(MARKER_WORDS[0]))

/* the steps of the last read: every character a loop looks at (what the scanner pump of the tests counts) */
static Py_ssize_t STEPS;

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_word(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
/* str.isspace on the characters a plain response may hold (control characters other than tab and newline are
 * refused before any of this runs) */
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

/* str.find(sub, lo, hi): the first i in [lo, hi - len(sub)] where sub starts, else -1 */
static Py_ssize_t find(const char *s, Py_ssize_t lo, Py_ssize_t hi, const char *sub, Py_ssize_t m) {
    Py_ssize_t i = lo < 0 ? 0 : lo;
    while (i + m <= hi) {
        const char *hit = memchr(s + i, sub[0], (size_t)(hi - m + 1 - i));
        if (hit == NULL) {
            STEPS += hi - m + 1 - i;
            return -1;
        }
        STEPS += hit - (s + i) + 1;
        i = hit - s;
        if (memcmp(s + i, sub, (size_t)m) == 0) return i;
        i++;
    }
    return -1;
}

/* whether the lower-cased text holds word (a lower-case ASCII word) */
static int holds_folded(const char *s, Py_ssize_t n, const char *word) {
    Py_ssize_t m = (Py_ssize_t)strlen(word);
    for (Py_ssize_t i = 0; i + m <= n; i++) {
        STEPS++;
        Py_ssize_t k = 0;
        while (k < m && lower(s[i + k]) == word[k]) k++;
        if (k == m) return 1;
    }
    return 0;
}

/* the characters plain_text stops at: 1 refused outright, 2 looked at more closely */
static unsigned char STOPS[256];

static void init_stops(void) {
    for (int c = 0; c < 0x20; c++) STOPS[c] = 1;
    STOPS['\t'] = STOPS['\n'] = 0;
    STOPS[0x7f] = STOPS['<'] = STOPS['%'] = 1; /* '%' and '<' may hide text (commitment.visible_text) */
    for (int c = 0x80; c < 256; c++) STOPS[c] = 1;
    STOPS[':'] = STOPS['$'] = STOPS['\\'] = STOPS['w'] = STOPS['W'] = 2; /* "w": the rarest letter of "answer" */
}

/* whether s[i:] starts with word (a lower-case ASCII word), in any case */
static int starts_folded(const char *s, Py_ssize_t n, Py_ssize_t i, const char *word) {
    Py_ssize_t m = (Py_ssize_t)strlen(word);
    if (i + m > n) return 0;
    for (Py_ssize_t k = 0; k < m; k++) {
        if (lower(s[i + k]) != word[k]) return 0;
    }
    return 1;
}

/* plain_fallback's checks of the whole response, and the brackets-only case: 1 when this reader may go on */
static int plain_text(const char *s, Py_ssize_t n) {
    int colon = 0;
    STEPS += n;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (STOPS[c] == 0) continue;
        if (STOPS[c] == 1) return 0;
        if (c == ':') {
            colon = 1;
        } else if (c == '$') {
            if (i + 1 < n && s[i + 1] == '$') return 0;
        } else if (c == '\\') {
            if (i + 1 < n) {
                char d = s[i + 1];
                if (d == '\\' || d == '$' || d == '(' || d == ')') return 0;
                for (size_t r = 0; r < REFUSED_COUNT; r++) {
                    if (d == REFUSED[r][0] && starts(s, n, i + 1, REFUSED[r])) return 0;
                }
            }
        } else if (i >= 3 && starts_folded(s, n, i - 3, "answer")) {
            return 0;
        }
    }
    if (colon) {
        for (size_t w = 1; w < MARKER_COUNT; w++) {
            if (holds_folded(s, n, MARKER_WORDS[w])) return 0;
        }
    }
    return 1;
}

/* _boundary_before: the last "\n\n" in [low, pos), else the last "\n", else the last ". ". A pair "\n\n" holds a
 * character at every other position counted back from pos - 1, so only those are looked at first. */
static Py_ssize_t boundary_before(const char *s, Py_ssize_t pos) {
    if (pos <= 0) return 0;
    Py_ssize_t low = pos - MAX_BOUNDARY_CHARS < 0 ? 0 : pos - MAX_BOUNDARY_CHARS;
    for (Py_ssize_t p = pos - 1; p >= low; p -= 2) {
        STEPS++;
        if (s[p] != '\n') continue;
        if (p + 1 < pos && s[p + 1] == '\n') return p + 2;
        if (p - 1 >= low && s[p - 1] == '\n') return p + 1;
    }
    for (Py_ssize_t i = pos - 1; i >= low; i--) {
        STEPS++;
        if (s[i] == '\n') return i + 1;
    }
    for (Py_ssize_t i = pos - 2; i >= low; i--) {
        STEPS++;
        if (s[i] == '.' && s[i + 1] == ' ') return i + 2;
    }
    return 0;
}

/* _outside_display with brackets_only */
static Py_ssize_t outside_display(const char *s, Py_ssize_t start) {
    for (int round = 0; round < 8; round++) {
        Py_ssize_t back = start;
        /* rfind("\\[") > rfind("\\]"): the last of the two before start is an opener */
        for (Py_ssize_t i = start - 2; i >= 0; i--) {
            STEPS++;
            if (s[i] == '\\' && (s[i + 1] == '[' || s[i + 1] == ']')) {
                if (s[i + 1] == '[') back = i;
                break;
            }
        }
        if (back == start) return start;
        start = boundary_before(s, back);
    }
    return 0;
}

/* _fallback_start(text, answer_free=True, brackets_only=True) */
static Py_ssize_t fallback_start(const char *s, Py_ssize_t n) {
    Py_ssize_t size = FALLBACK_CHARS;
    if (n <= size) return 0;
    for (;;) {
        Py_ssize_t start = outside_display(s, boundary_before(s, n - size));
        if (start == 0) return 0;
        for (Py_ssize_t i = start; i < n; i++) {
            STEPS++;
            if (is_digit(s[i])) return start;
        }
        size *= 4;
    }
}

/* _SPACED_OPEN_RE.match(text, at): [ \t]{1,8}\\[A-Za-z] */
static int spaced_open(const char *s, Py_ssize_t n, Py_ssize_t at) {
    Py_ssize_t k = 0;
    while (at + k < n && k < 9 && (s[at + k] == ' ' || s[at + k] == '\t')) k++;
    return k >= 1 && k <= 8 && at + k + 1 < n && s[at + k] == '\\' && is_alpha(s[at + k + 1]);
}

/* _MATH_AMOUNT_RE.match(text, at): \d{1,30}(?![\d,.\n:;!?]|\Z)(?![ \t]{1,4}[A-Za-z]{2,}(?![A-Za-z])) */
static int math_amount(const char *s, Py_ssize_t n, Py_ssize_t at) {
    Py_ssize_t d = 0;
    while (at + d < n && is_digit(s[at + d])) d++;
    if (d < 1 || d > 30) return 0;
    Py_ssize_t p = at + d;
    if (p >= n || strchr(",.\n:;!?", s[p]) != NULL) return 0;
    Py_ssize_t k = 0;
    while (p + k < n && k < 5 && (s[p + k] == ' ' || s[p + k] == '\t')) k++;
    if (k >= 1 && k <= 4 && p + k + 1 < n && is_alpha(s[p + k]) && is_alpha(s[p + k + 1])) return 0;
    return 1;
}

typedef struct {
    Py_ssize_t start, end;          /* the span with its delimiters */
    Py_ssize_t content, content_end; /* its content, stripped */
} Span;

/* _quick_spans on the tail s[0:n]: fills spans (at most n / 2 + 1 of them), gives their count, or -1 when a "$"
 * before an amount may be a price sign (Python's _is_currency decides then) */
static Py_ssize_t quick_spans(const char *s, Py_ssize_t n, Span *spans) {
    Py_ssize_t count = 0;
    Py_ssize_t dollar = find(s, 0, n, "$", 1);
    Py_ssize_t display = find(s, 0, n, "\\[", 2);
    while (dollar >= 0 || display >= 0) {
        Py_ssize_t start, pos, content, content_end;
        if (display >= 0 && (dollar < 0 || display < dollar)) {
            Py_ssize_t close = find(s, display + 2, n, "\\]", 2);
            if (close < 0) break; /* never closed: the rest is inside it */
            content = display + 2;
            content_end = close;
            pos = close + 2;
            start = display;
        } else {
            Py_ssize_t after = dollar + 1;
            if (after >= n) break;
            char c = s[after];
            int spaced = is_space(c);
            if (spaced && !spaced_open(s, n, after)) {
                dollar = find(s, after, n, "$", 1);
                continue;
            }
            if (is_digit(c) && !math_amount(s, n, after)) return -1;
            Py_ssize_t close = find(s, after, n, "$", 1);
            while (close >= 0 && ((is_space(s[close - 1]) && !spaced) || (close + 1 < n && is_digit(s[close + 1])))) {
                STEPS++;
                close = find(s, close + 1, n, "$", 1);
            }
            if (close < 0) break;
            content = after;
            content_end = close;
            pos = close + 1;
            start = dollar;
        }
        STEPS++;
        if (content_end - content <= MAX_SPAN_CHARS) {
            while (content < content_end && is_space(s[content])) content++;
            while (content_end > content && is_space(s[content_end - 1])) content_end--;
            if (content < content_end) {
                spans[count].start = start;
                spans[count].end = pos;
                spans[count].content = content;
                spans[count].content_end = content_end;
                count++;
            }
        }
        /* (-1: none after an earlier look, so none after pos either) */
        if (dollar >= 0 && dollar < pos) dollar = find(s, pos, n, "$", 1);
        if (display >= 0 && display < pos) display = find(s, pos, n, "\\[", 2);
    }
    return count;
}

static const char *VERBS[] = {"is", "are", "was", "were", "equal", "equals", "become", "becomes"};
#define VERB_COUNT (sizeof(VERBS) / sizeof(VERBS[0]))

/* _verb_before(s[lo:hi], value_at): \b(?:is|are|was|were|equals?|becomes?)\b starts at or before value_at */
static int verb_before(const char *s, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t value_at) {
    for (Py_ssize_t i = lo; i < hi && i - lo <= value_at; i++) {
        STEPS++;
        if (i > lo && is_word(s[i - 1])) continue;
        for (size_t v = 0; v < VERB_COUNT; v++) {
            if (s[i] != VERBS[v][0] || !starts(s, hi, i, VERBS[v])) continue;
            Py_ssize_t m = (Py_ssize_t)strlen(VERBS[v]);
            if (i + m == hi || !is_word(s[i + m])) return 1;
        }
    }
    return 0;
}

/* _sentence_start(masked, pos): the end of the last "\n", ". ", "! ", "? " or ".\t" in [low, pos), else low. Met
 * from pos backwards, the first separator found ends furthest right: one that starts further left ends at most
 * where it does. */
static Py_ssize_t sentence_start(const char *m, Py_ssize_t pos) {
    Py_ssize_t low = pos - SENTENCE_CHARS < 0 ? 0 : pos - SENTENCE_CHARS;
    for (Py_ssize_t i = pos - 1; i >= low; i--) {
        STEPS++;
        char c = m[i];
        if (c == '\n') return i + 1;
        if ((c == '.' || c == '!' || c == '?') && i + 2 <= pos && (m[i + 1] == ' ' || (c == '.' && m[i + 1] == '\t'))) {
            return i + 2;
        }
    }
    return low;
}

/* the words _PLAIN_WORD_RE does not take for a plain word */
static const char *NOT_WORDS[] = {"and", "or", "sqrt", "pi", "sin", "cos", "tan", "log",
                                  "ln", "exp", "mod", "inf", "infty", "deg", "i"};
#define NOT_WORD_COUNT (sizeof(NOT_WORDS) / sizeof(NOT_WORDS[0]))

/* where the last match of _PLAIN_WORD_RE in the text m[lo:hi] ends (lo when there is none): a run of two or more
 * letters or apostrophes after no backslash, letter or digit, that is not one of NOT_WORDS (any case) followed by a
 * word boundary */
static Py_ssize_t last_word_end(const char *m, Py_ssize_t lo, Py_ssize_t hi) {
    Py_ssize_t last = lo;
    Py_ssize_t p = lo;
    while (p < hi) {
        STEPS++;
        char c = m[p];
        if (!is_alpha(c) && c != '\'') {
            p++;
            continue;
        }
        if (p > lo && (m[p - 1] == '\\' || is_alpha(m[p - 1]) || is_digit(m[p - 1]))) {
            p++;
            continue;
        }
        Py_ssize_t r = p;
        while (r < hi && (is_alpha(m[r]) || m[r] == '\'')) r++;
        int taken = r - p >= 2;
        for (size_t w = 0; taken && w < NOT_WORD_COUNT; w++) {
            Py_ssize_t k = (Py_ssize_t)strlen(NOT_WORDS[w]);
            if (p + k <= hi && starts_folded(m, hi, p, NOT_WORDS[w]) && (p + k == hi || !is_word(m[p + k]))) taken = 0;
        }
        if (!taken) {
            p++;
            continue;
        }
        last = r;
        p = r;
    }
    return last;
}

/* _trailing_expression(m[lo:hi], factorial=False), the sentence already stripped: its bounds in m, when it is a
 * slice of the text (a "$" taken off only at its start or end) and the clean-up is one this reader follows; else 0 */
static int trailing_expression(const char *m, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t *start, Py_ssize_t *end) {
    Py_ssize_t c = last_word_end(m, lo, hi);
    while (c < hi && (m[c] == ' ' || m[c] == ':' || m[c] == '\'')) c++;
    Py_ssize_t e = hi;
    for (Py_ssize_t q = c + 1; q < e; q++) { /* _PRICE_TAIL_RE: a sign after a digit or a space ends the value */
        STEPS++;
        if (m[q] == '$' && (is_digit(m[q - 1]) || is_space(m[q - 1])) && (q + 1 == e || is_space(m[q + 1]))) {
            e = q;
            break;
        }
    }
    /* _final_strip(factorial=False) */
    while (c < e && strchr("*`#> \t\n", m[c]) != NULL) c++;
    while (e > c && strchr("*`#> \t\n", m[e - 1]) != NULL) e--;
    if (c < e && m[c] == '_' && m[e - 1] == '_') return 0; /* markdown underscores: Python reads them */
    Py_ssize_t dollars = 0;
    for (Py_ssize_t i = c; i < e; i++) dollars += m[i] == '$';
    STEPS += e - c;
    if (dollars == 1) {
        if (m[c] == '$') {
            c++;
        } else if (m[e - 1] == '$') {
            e--;
        } else {
            return 0; /* a "$" inside: the answer would not be a slice of the text */
        }
        while (c < e && is_space(m[c])) c++;
        while (e > c && is_space(m[e - 1])) e--;
    }
    while (e > c && strchr(".,;:!", m[e - 1]) != NULL) {
        e -= (e - c >= 2 && m[e - 2] == '\\') ? 2 : 1; /* a spacing command ("\\,") goes with its mark */
        while (e > c && is_space(m[e - 1])) e--;
    }
    while (c < e && is_space(m[c])) c++;
    if (e - c > 1 && m[c] == '=') {
        c++;
        while (c < e && is_space(m[c])) c++;
    }
    if (c >= e || e - c > 60) return 0;
    Py_ssize_t digits = 0, braces = 0, parens = 0;
    for (Py_ssize_t i = c; i < e; i++) {
        digits += is_digit(m[i]);
        braces += (m[i] == '{') - (m[i] == '}');
        parens += (m[i] == '(') - (m[i] == ')');
    }
    if (digits == 0 || braces != 0 || parens < 0) return 0;
    *start = c;
    *end = e;
    return 1;
}

/* _plain_on's readings made here, on the tail t[0:n] with its spans (masked: a buffer of n bytes): 1 for the last
 * math span (_plain_on's common case), 2 for the last number or expression of the final sentence when that
 * sentence holds no span (_fallback_on's _trailing_expression), with the answer's bounds; 0 for anything else */
static int tail_answer(const char *t, Py_ssize_t n, const Span *spans, Py_ssize_t count, char *masked,
                       Py_ssize_t *answer, Py_ssize_t *answer_end) {
    STEPS += n;
    memcpy(masked, t, (size_t)n);
    for (Py_ssize_t k = 0; k < count; k++) STEPS += spans[k].end - spans[k].start;
    for (Py_ssize_t k = 0; k < count; k++) memset(masked + spans[k].start, ' ', (size_t)(spans[k].end - spans[k].start));
    Py_ssize_t last_digit = -1;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        STEPS++;
        if (is_digit(masked[i])) {
            last_digit = i;
            break;
        }
    }
    if (count == 0 && last_digit < 0) return 0; /* no answer: Python says so */
    const Span *last = count > 0 ? &spans[count - 1] : NULL;
    Py_ssize_t sentence = sentence_start(masked, last != NULL && last->end > last_digit ? last->start : last_digit);
    if (last != NULL && last->end <= last_digit && last->start + 1 < n && t[last->start] == '\\' &&
        t[last->start + 1] == '[') {
        if (last->end > sentence) sentence = last->end; /* display math ends a sentence */
    }
    Py_ssize_t value_end = last_digit;
    for (Py_ssize_t i = n - 1; i > value_end; i--) {
        STEPS++;
        if (t[i] == '$' || t[i] == '\\') {
            value_end = i;
            break;
        }
    }
    if (value_end >= sentence) {
        Py_ssize_t hi = value_end + 8 < n ? value_end + 8 : n;
        if (verb_before(t, sentence, hi, value_end - sentence)) return 0;
    }
    if (last == NULL || last->start < sentence) {
        Py_ssize_t lo = sentence, hi = n;
        while (lo < hi && is_space(masked[lo])) lo++;
        while (hi > lo && is_space(masked[hi - 1])) hi--;
        if (!trailing_expression(masked, lo, hi, answer, answer_end)) return 0;
        for (Py_ssize_t k = 0; k < count; k++) { /* masked there: the answer would not be the text */
            if (spans[k].start < *answer_end && spans[k].end > *answer) return 0;
        }
        return 2;
    }
    Py_ssize_t a = last->content, b = last->content_end;
    if (b - a > MAX_ANSWER_CHARS || strchr("*_`#> \t\n=", t[a]) != NULL || strchr("*_`#> \t\n.,;:!", t[b - 1]) != NULL) {
        return 0;
    }
    if (memchr(t + a, '$', (size_t)(b - a)) != NULL) return 0;
    if (b - a >= 2 && t[a] == '\\' && (t[a + 1] == '(' || t[a + 1] == '[')) return 0;
    *answer = a;
    *answer_end = b;
    return 1;
}

static int is_alnum(char c) { return is_alpha(c) || is_digit(c); }

/* commitment._whole: the answer s[start:start+m] stands alone (not inside a longer number or word) */
static int whole(const char *s, Py_ssize_t n, Py_ssize_t start, Py_ssize_t m, char first) {
    Py_ssize_t end = start + m;
    char left = start > 0 ? s[start - 1] : ' ';
    if (is_alnum(left) || (left == '.' && is_digit(first))) return 0;
    if (end < n && (is_alnum(s[end]) || (s[end] == '.' && end + 1 < n && is_digit(s[end + 1])))) return 0;
    return 1;
}

/* commitment.plain_review's first steps for the answer s[a:b]: -1 when they already say it stands (the response
 * ends on it, once its end marks are off, or it is not written whole within 16 tries from the end), else the end
 * of its last whole place, where the rest of the review reads on */
static Py_ssize_t review_place(const char *s, Py_ssize_t n, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t m = b - a;
    Py_ssize_t e = n;
    while (e > 0 && strchr(" \t\n.$*_`", s[e - 1]) != NULL) {
        STEPS++;
        e--;
    }
    if (e >= m && memcmp(s + e - m, s + a, (size_t)m) == 0) return -1;
    Py_ssize_t pos = n;
    for (int attempt = 0; attempt < 16; attempt++) {
        Py_ssize_t start = -1;
        for (Py_ssize_t i = pos - m; i >= 0; i--) {
            STEPS++;
            if (s[i] == s[a] && memcmp(s + i, s + a, (size_t)m) == 0) {
                start = i;
                break;
            }
        }
        if (start < 0) return -1;
        if (whole(s, n, start, m, s[a])) return start + m;
        pos = start;
    }
    return -1;
}

#define RETRACTION_CHARS 400
#define WINDOW_CHARS 240

/* What commitment.answer_stands_read needs after the answer's last whole place ends at place (see there): the
 * last digit in the RETRACTION_CHARS after it, where the closers after it end (commitment._past_closers), a "("
 * in the 3 characters from there, and the next clause when the answer ends its sentence (commitment._clause). */
typedef struct {
    Py_ssize_t last_digit, closers_end, aside, clause, clause_end;
} After;

static After look_after(const char *s, Py_ssize_t n, Py_ssize_t place) {
    After after = {-1, place, -1, -1, -1};
    Py_ssize_t hi = place + RETRACTION_CHARS < n ? place + RETRACTION_CHARS : n;
    for (Py_ssize_t i = hi - 1; i >= place; i--) {
        STEPS++;
        if (is_digit(s[i])) {
            after.last_digit = i;
            break;
        }
    }
    Py_ssize_t pos = place;
    while (pos < n && pos < place + 12 && strchr(" \t\n$})]*\\", s[pos]) != NULL) pos++;
    after.closers_end = pos;
    for (Py_ssize_t i = pos; i < n && i < pos + 3; i++) {
        if (s[i] == '(') {
            after.aside = i;
            break;
        }
    }
    int stop = pos < n && s[pos] == '.';
    int line = memchr(s + place, '\n', (size_t)(pos - place)) != NULL;
    if (stop || line) {
        Py_ssize_t start = stop ? pos + 1 : pos;
        Py_ssize_t end = start + WINDOW_CHARS < n ? start + WINDOW_CHARS : n;
        Py_ssize_t cut = end;
        for (Py_ssize_t i = start; i < end; i++) {
            STEPS++;
            if (s[i] == '\n' || (s[i] == '.' && i + 1 < end && s[i + 1] == ' ')) {
                cut = i;
                break;
            }
        }
        after.clause = start;
        after.clause_end = cut;
    }
    return after;
}

static PyObject *read_plain(PyObject *module, PyObject *response) {
    (void)module;
    if (!PyUnicode_CheckExact(response)) {
        PyErr_SetString(PyExc_TypeError, "read takes a str");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(response)) Py_RETURN_NONE;
    Py_ssize_t n = PyUnicode_GET_LENGTH(response);
    const char *s = (const char *)PyUnicode_1BYTE_DATA(response);
    STEPS = 0;
    if (n == 0 || n > TAIL_CHARS || !plain_text(s, n)) Py_RETURN_NONE;
    Py_ssize_t offset = fallback_start(s, n);
    const char *t = s + offset;
    Py_ssize_t m = n - offset;
    Span *spans = PyMem_Malloc(sizeof(Span) * (size_t)(m / 2 + 1));
    char *masked = PyMem_Malloc((size_t)m + 1);
    if (spans == NULL || masked == NULL) {
        PyMem_Free(spans);
        PyMem_Free(masked);
        return PyErr_NoMemory();
    }
    Py_ssize_t answer = 0, answer_end = 0;
    Py_ssize_t count = quick_spans(t, m, spans);
    Py_ssize_t first = 0, after_last = n; /* the response stripped */
    while (first < after_last && is_space(s[first])) first++;
    while (after_last > first && is_space(s[after_last - 1])) after_last--;
    /* no span in a short response: Python may read it whole (_fallback_on's bare text) */
    int bare = count == 0 && after_last - first <= MAX_BARE_CHARS;
    int found = count >= 0 && !bare ? tail_answer(t, m, spans, count, masked, &answer, &answer_end) : 0;
    PyMem_Free(spans);
    PyMem_Free(masked);
    if (!found) Py_RETURN_NONE;
    answer += offset;
    answer_end += offset;
    Py_ssize_t place = review_place(s, n, answer, answer_end);
    After after = place < 0 ? (After){-1, -1, -1, -1, -1} : look_after(s, n, place);
    return Py_BuildValue("(nninnnnnn)", answer, answer_end, found == 2, place, after.last_digit, after.closers_end,
                         after.aside, after.clause, after.clause_end);
}

static PyObject *steps(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyLong_FromSsize_t(STEPS);
}

static PyMethodDef METHODS[] = {
    {"steps", steps, METH_NOARGS, "steps() -> int: the characters the last read looked at (for the scanner pump)."},
    {"read", read_plain, METH_O,
     "read(response) -> (start, end, place, last_digit, closers_end, aside, clause, clause_end) | None: where "
     "plain_fallback's math-span answer stands in the response, when that is its reading and the text is plain (no "
     "hidden text either); place: -1 when plain_review's first steps say the answer stands, else the end of its last "
     "whole place, and what the review looks at after it (commitment.answer_stands_read). None for any other text."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_plain_reader", "The commonest reading of extraction.plain_fallback, compiled.", -1, METHODS,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__plain_reader(void) {
    init_stops();
    PyObject *module = PyModule_Create(&MODULE);
    if (module == NULL) return NULL;
    PyObject *words = PyTuple_New((Py_ssize_t)MARKER_COUNT);
    if (words == NULL) {
        Py_DECREF(module);
        return NULL;
    }
    for (size_t w = 0; w < MARKER_COUNT; w++) PyTuple_SET_ITEM(words, (Py_ssize_t)w, PyUnicode_FromString(MARKER_WORDS[w]));
    if (PyModule_AddObject(module, "MARKER_WORDS", words) < 0) {
        Py_DECREF(words);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
