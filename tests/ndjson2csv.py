#!/usr/bin/env python3
"""ndjson2csv.py IN.ndjson OUT.csv OUT.ndjson OUT.pos - canonical scrm records as CSV, for tests/e2e.sh.

Writes the records of IN (scrm gen --format scrm) as an RFC 4180 CSV with a byte-order
mark and CRLF line ends, giving every 7th text a line break and every 11th a quote (so
quoted fields span lines and hold ""), and alongside: the same records as NDJSON with
those texts (what the CSV must read as), and each row's byte offset and physical line
in the CSV (id TAB offset TAB line), which the events' input positions must equal.
"""
import csv
import io
import json
import sys

COLS = ["id", "ts", "channel", "direction", "text", "author_id", "handle", "name", "followers",
        "verified", "conversation", "in_reply_to", "retweet_of", "quote_of", "lang", "place",
        "retweets", "likes", "replies", "quotes", "x_note"]


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def main():
    src, out_csv, out_json, out_pos = sys.argv[1:5]
    recs = [json.loads(l) for l in open(src, encoding="utf-8")]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLS)
    head = "\ufeff" + buf.getvalue()
    data = head.encode("utf-8")
    offset, line = len(data), 2
    parts, pos = [data], []
    with open(out_json, "w", encoding="utf-8") as fj:
        for i, r in enumerate(recs):
            if i % 7 == 3:
                r["text"] = r["text"] + "\nsent from my phone"
            if i % 11 == 5:
                r["text"] = 'about the "new" plan: ' + r["text"]
            a = r.get("author") or {}
            m = r.get("metrics") or {}
            row = [r.get("id"), r.get("ts"), r.get("channel"), r.get("direction"), r.get("text"),
                   a.get("id"), a.get("handle"), a.get("name"), a.get("followers"), a.get("verified"),
                   r.get("conversation"), r.get("in_reply_to"), r.get("retweet_of"), r.get("quote_of"),
                   r.get("lang"), r.get("place"), m.get("retweets"), m.get("likes"), m.get("replies"),
                   m.get("quotes"), "note %d" % i]
            buf = io.StringIO(newline="")
            csv.writer(buf, lineterminator="\r\n").writerow([cell(v) for v in row])
            b = buf.getvalue().encode("utf-8")
            pos.append("%s\t%d\t%d" % (r["id"], offset, line))
            parts.append(b)
            offset += len(b)
            line += b.count(b"\n")
            fj.write(json.dumps(r, ensure_ascii=False) + "\n")
    open(out_csv, "wb").write(b"".join(parts))
    open(out_pos, "w").write("\n".join(pos) + "\n")


main()
