"""scrm_tsv.py - the escapes of the TSV files in ../shared/corpora (SOURCES.md) and of
bench_analyze --dump-texts: backslash, TAB, LF and CR written as \\\\, \\t, \\n, \\r.
Imported by the bench scripts beside it."""


def unescape(s):
    """Undo the four escapes; any other backslash is kept as written."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(s[i + 1], "\\" + s[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)
