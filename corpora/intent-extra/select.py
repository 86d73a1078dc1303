#!/usr/bin/env python3
"""Candidate selection for corpora/intent-extra (reproducible; assigns NO labels).

Usage:
    python3 corpora/intent-extra/select.py [SHARED_CORPORA_DIR] > candidates.tsv
    python3 corpora/intent-extra/select.py [SHARED_CORPORA_DIR] --show > /tmp/labeling/read.tsv

Default SHARED_CORPORA_DIR: ../../../shared/corpora relative to this file
(i.e. ../shared/corpora from the repository root).

Output (stdout): TSV with header `n, id, source, group` (group = `random` or
`enrich:<family>`), in reading order. With --show a fourth column `text`
(escaped as in the source file) is appended so that an annotator can read the
candidates; that output is for a temporary file only and must never be
committed.

Only the id and text columns of the source files are read; the sets' own
label columns (airline_sentiment, negativereason, complaint, label) are never
used. Keyword filters below only choose and order what is read; the label of
every candidate is assigned by a human-style reading against
intent-scrm/GUIDELINE.md.
"""
import os
import random
import re
import sys

SEED = 20261205

# set name -> (file, id column, source prefix)
SETS = [
    ("twcs", "twcs/dev.spotify_inbound.tsv", "tweet_id"),
    ("airline", "airline-sentiment/dev.tweets.tsv", "id"),
    ("complaints", "complaints/dev.tweets.tsv", "id"),
    ("semeval", "semeval2017-4a/dev.tweets.tsv", "id"),
]
RANDOM_COUNTS = {"twcs": 100, "airline": 100, "complaints": 60, "semeval": 40}
ENRICH_PER_FAMILY = 100
# Round 2 (the fourth session of 2026-12-06): the walk of these families' shuffled pools
# goes on where round 1 stopped, for this many more candidates each (the labels with the
# fewest dev rows and the lowest F1).
ROUND2 = [("suggestion", 100), ("purchase", 100), ("question", 50)]
# Round 3 (the same session): tighter filters of this project's own for the two labels
# with the lowest F1 after round 2, read from fresh shuffles of their pools.
ROUND3 = [("purchase3", 60), ("suggestion3", 60)]
FILTERS3 = {
    "purchase3": [
        r"\b(can|could|where|when|how) (can |do )?(i|we) (buy|purchase|order|book|get tickets)\b",
        r"\b(want|wanna|trying|looking|planning|hoping|need) to (buy|purchase|order|book|upgrade|subscribe)\b",
        r"\bhow much (is|are|does|do|for|would|will)\b",
        r"\b(price|prices|pricing|cost|fare|fares) (of|for|to)\b",
        r"\b(sign up|subscribe) (for|to)\b",
        r"\bupgrade (to|my)\b",
        r"\b(in stock|back in stock|restock|pre-?order)\b",
        r"\bavailable (to buy|for purchase|in)\b",
    ],
    "suggestion3": [
        r"\b(please|pls|plz) (add|bring back|make|allow|introduce|implement)\b",
        r"\b(you|u|spotify) should (add|make|have|let|bring|offer|allow|introduce)\b",
        r"\bwould be (so |really |very )?(nice|great|cool|awesome|helpful) (if|to)\b",
        r"\b(feature request|suggestion|i suggest|my idea|an idea)\b",
        r"\bi wish (you|there|spotify|it)\b",
        r"\b(bring back|add an option|add a feature|option to)\b",
    ],
}

# Round 4 (the seventh session of 2026-12-06): first the round-3 pools go on from where
# round 3 stopped (same shuffles), then broader filters of this project's own for the
# three labels with the lowest F1 (purchase, suggestion, question), fresh shuffles over
# twcs, airline and complaints (general semeval tweets almost never buy, suggest or ask
# a company).
ROUND4_CONTINUE = [("purchase3", 110), ("suggestion3", 90)]
ROUND4 = [("purchase4", 220), ("suggestion4", 200), ("question4", 180)]
ROUND4_SETS = ["twcs", "airline", "complaints"]
FILTERS4 = {
    "purchase4": [
        r"\b(buy|buying|bought|purchase|purchasing|order|ordering|book|booking)\b[^.!?]{0,60}\?",
        r"\b(premium|family plan|student (plan|discount|premium)|duo|upgrade|upgrading)\b",
        r"\b(how much|price|prices|pricing|cost|costs|fee|fees|fare|fares|deal|deals|discount|promo)\b",
        r"\b(tickets?|seats?|flights?|trip|vacation|package)\b[^.!?]{0,40}\b(for|to) (my|our|me|us)\b",
        r"\b(available|availability|release|come out|launch|restock)\b[^.!?]{0,40}\?",
        r"\b(interested in|thinking (of|about)|considering) (buying|getting|booking|upgrading|switching to|trying)\b",
    ],
    "suggestion4": [
        r"\b(should|could|can you|could you|will you|please) (add|make|have|let|offer|bring|allow|consider|start|include|introduce|give)\b",
        r"\b(add|adding|bring back|need|needs|want|wish)\b[^.!?]{0,20}\b(feature|option|button|setting|way to|ability to|mode|filter|shuffle|playlist)\b",
        r"\bwhy (not|don'?t you|can'?t (you|i|we)|isn'?t there|is there no)\b",
        r"\b(hope|hoping|wish) (you|spotify|they|someday|one day)\b",
        r"\b(would|'d) (love|like|really like|prefer) (to see|it if|a|an|the option|if)\b",
        r"\b(idea|ideas|suggest|suggestion|feedback|request|requesting|petition)\b",
    ],
    "question4": [
        r"^[^?]{0,200}\?\s*$",
        r"\b(how|where|when|what|which|who|why) (do|does|did|can|could|should|will|would|is|are|was|were|to|long|much|many)\b",
        r"\b(can|could|would|will) (you|u|i|we|someone|anyone)\b[^.!]{0,60}\?",
        r"\b(any|is there) (way|chance|update|news|info|information|reason|option)\b",
        r"\b(wondering|wonder|curious) (if|whether|how|why|when|what)\b",
    ],
}

# Round 5 (the tenth session of 2026-12-06): more rows of every kind, since the stacked
# model with the sentence encoder still gained from round 4's rows (942 + 900 extra rows
# 0.686, + 1,270 0.686, + 1,976 0.707 intent macro-F1, 5 folds). The natural sample goes
# on (the same per-set shuffles, from where rows 1-300 stopped), then round 1's churn and
# spam pools and round 4's three pools go on from where they stopped (same shuffles).
ROUND5_RANDOM = {"twcs": 70, "airline": 70, "complaints": 40, "semeval": 20}
ROUND5_FAMILIES = [("churn", 100), ("spam", 100)]
ROUND5_CONTINUE4 = [("purchase4", 250), ("suggestion4", 250), ("question4", 150)]

# Round 6 (the same session): round 5 again, with the suggestion4 pool to near its end.
ROUND6_RANDOM = {"twcs": 100, "airline": 100, "complaints": 70, "semeval": 30}
ROUND6_FAMILIES = [("churn", 100), ("spam", 50)]
ROUND6_CONTINUE4 = [("purchase4", 250), ("suggestion4", 200), ("question4", 150)]

# Families in processing order. The first four filters are copied verbatim
# from intent-scrm/GUIDELINE.md ("Targeted enrichment"); question and praise
# are this project's own filters, in the same spirit.
FILTERS = {
    "churn": [
        r"\bcancel+(ing|ed|s)? (my|our|the|your|this) ?(\w+ )?(sub|subs|subscription|account|membership|premium|plan|service|order|card|credit card|family plan)\b",
        r"\bswitch(ing|ed)? (to|over|back|providers?|carriers?|airlines?|services?|to another)",
        r"\bunsubscrib",
        r"\brefund",
        r"\bleaving (you|spotify|for|this|the)\b",
        r"\bnever (again|fly|flying|flown|use|using|buy|buying|shop|shopping|order|ordering|going back|coming back|choose|choosing|book|booking)\b",
        r"\b(i'?m|i am|we'?re|we are|so|officially|totally) done with\b",
        r"\bmoving (to|over to)\b",
        r"\bgoing back to\b",
        r"\b(last time|first and last)\b",
        r"\blost (a|my|our|another|one) (customer|client|business|loyal)",
        r"\b(take|taking|took) (my|our) (business|money)\b",
        r"\b(good ?bye|bye bye|farewell)\b",
        r"\bloyal(ty)?\b",
        r"\b(won'?t|will not|wont|never will i) (be )?(fly|flying|use|using|buy|buying|back|ordering|order|return|renew|renewing|choose|book|booking)\b",
        r"\b(fly|flying|stick|sticking|switch|go|going|stay|staying|book|booking|back)( back)? (to|with) @?(delta|united|southwest|jetblue|jet blue|american|aa|virgin|virgin america|alaska|spirit|frontier|us ?airways|southwestair|americanair|virginamerica|usairways)\b",
        r"\b(apple music|itunes|deezer|tidal|google play music|google music|youtube music|youtube red|pandora|amazon music|soundcloud|napster|rhapsody)\b",
    ],
    "spam": [
        r"\bgiveaway\b",
        r"\b(win|winning|enter to win|chance to win)\b",
        r"\bfollow (us|me|back|and|&amp;|for)\b",
        r"\bclick (here|the link|link|to)\b",
        r"\bpromo\b",
        r"\bfree\b",
        r"\bdiscount\b",
        r"\b\d+ ?% off\b",
        r"\bcoupon\b",
        r"\bsign ?up\b",
        r"\bcash(ed)? ?out\b",
        r"\bshop now\b",
        r"\bvisit (us|our|my|the)\b",
        r"\bcheck (out|it out)\b",
        r"\b(dm|text|message) me\b",
        r"\b(order|buy) now\b",
        r"#(ad|sponsored|deal|deals|sale|win)\b",
        r"\bsale\b",
        r"\blimited time\b",
        r"\buse code\b",
        r"\bread (blog|more|the full)\b",
        r"\b(new post|newsletter|blog)\b",
        r"\b(ebay|etsy)\b",
        r"\b(our|my|online) (shop|store|boutique)\b",
        r"\b(subscribe (now|today|to (my|our))|join us|register (now|today|here)|apply now|now hiring|#hiring)\b",
        r"(#\w+.*){5,}",
    ],
    "suggestion": [
        r"\b(you|u|y'?all|you guys|ya'?ll|spotify|they|someone|somebody|airlines?|companies|brands?) (really |seriously |totally |definitely )?(should|shud|need to|needs to)\b",
        r"\bshould (add|have|make|let|bring|offer|consider|allow|start|be able|introduce|implement|do|put|give|create|include|change|get|stop)\b",
        r"\bplease add\b",
        r"\bfeatures?\b",
        r"\bwould be (so |really |very )?(nice|great|cool|awesome|helpful|good|amazing)\b",
        r"\bwish\b",
        r"\bsuggest",
        r"\bidea\b",
        r"\bwhy not\b",
        r"\b(need|needs) to (add|have|make|bring|start|offer)\b",
        r"\bplease (make|bring|let|allow|consider|give|introduce|implement|offer|start)\b",
        r"\b(can|could) you (guys )?(add|make|bring|introduce|implement|offer)\b",
        r"\bhow about\b",
        r"\bwhat if\b",
        r"\bfeedback\b",
        r"\brequest(s|ed)?\b",
        r"\boption to\b",
    ],
    "purchase": [
        r"\b(buy|buying|purchas\w*)\b",
        r"\b(price|prices|pricing|cost|costs)\b",
        r"\bhow much\b",
        r"\bupgrad\w*\b",
        r"\b(get|buy|upgrade to|sign up for|subscribe to|go|pay for|try|join|want|afford) (spotify |the )?(premium|family|student)\b",
        r"\bpremium (price|cost|for|in|subscription price|plan)\b",
        r"\b(book|booking) (a|an|my|me|the|another|new|tickets?|flights?|seats?|trip|vacation|travel|us)\b",
        r"\b(order|ordering|pre-?order)\b",
        r"\b(deal|deals)\b",
        r"\b(when|will|is|are|be|it|they|still|you)\b[^.!?]{0,30}\b(available|availability)\b",
        r"\b(restock|in stock|back in stock|sold out)\b",
        r"\b(family plan|student (plan|discount|premium|account))\b",
        r"\b(fare|fares)\b",
        r"\b(get|buy|purchase|grab|afford|want|need) (\w+ )?tickets?\b",
    ],
    # Own filter (not in the GUIDELINE): information/help requests.
    "question": [
        r"\?",
        r"\b(how|where|when|what|which|who) (do|does|did|can|could|should|will|would|is|are|was|were|to|long|much|many)\b",
        r"\b(can|could|would|will) (you|u|i|we|someone|anyone|somebody)\b",
        r"\bplease (help|advise|assist|dm|check|let me know|confirm|tell)\b",
        r"\b(any|some) (idea|ideas|info|information|update|updates|news|way|chance|help|advice)\b",
        r"\bdo (you|u|i|we) (know|have|offer|need)\b",
        r"\b(wondering|wonder) (if|whether|how|why|when|what)\b",
        r"\bneed (help|assistance|info|to know)\b",
    ],
    # Own filter (not in the GUIDELINE): compliments, thanks, resolutions.
    "praise": [
        r"\b(thanks?|thank (you|u)|thx|thnx|ty|tysm|cheers)\b",
        r"\bappreciat\w*",
        r"\b(love|loving|loved|luv)\b",
        r"\b(great|awesome|amazing|excellent|fantastic|wonderful|brilliant|superb|outstanding|perfect|fabulous|stellar)\b",
        r"\b(kudos|props|shout ?out|bravo|well done|nice job|good job|great job)\b",
        r"\b(fixed|sorted|resolved|all good|works (now|again)|working (now|again))\b",
        r"\b(impressed|pleased|happy|delighted|thrilled)\b",
        r"\b(rock|rocks|rockstar|the best|mvp)\b",
        "(\u2764|\u2665|\U0001F60D|\U0001F64C|\U0001F44F|\U0001F44D|\U0001F60A|\U0001F64F|\U0001F499|\U0001F49A)",
    ],
}
FAMILY_ORDER = ["churn", "spam", "suggestion", "purchase", "question", "praise"]
# The question and praise families read only the brand-addressed streams
# (semeval general tweets almost never ask a company or thank one).
FAMILY_SETS = {
    "question": ["twcs", "airline", "complaints"],
    "praise": ["twcs", "airline", "complaints"],
}

UNESC = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in UNESC:
            out.append(UNESC[s[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_rows(path, idcol):
    """Yield (id, raw_text, text) reading only the id and text columns."""
    with open(path, encoding="utf-8", newline="\n") as f:
        header = f.readline().rstrip("\n").split("\t")
        ii, ti = header.index(idcol), header.index("text")
        for line in f:
            p = line.rstrip("\n").split("\t")
            yield p[ii], p[ti], unescape(p[ti])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = "--show" in sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    root = args[0] if args else os.path.join(here, "..", "..", "..", "shared", "corpora")

    # Existing intent-scrm rows: ids and texts are excluded.
    taken_ids, taken_texts = set(), set()
    for rid, _raw, text in read_rows(os.path.join(root, "intent-scrm", "dev.tweets.tsv"), "id"):
        taken_ids.add(rid)
        taken_texts.add(text)

    data = {}
    for name, rel, idcol in SETS:
        data[name] = [(f"{name}:{i}", raw, t) for i, raw, t in read_rows(os.path.join(root, rel), idcol)]

    out = []  # (id, source, group, raw)

    def try_take(rid, raw, text, src, group):
        if not text.strip() or rid in taken_ids or text in taken_texts:
            return False
        taken_ids.add(rid)
        taken_texts.add(text)
        out.append((rid, src, group, raw))
        return True

    # 1. Seeded random sample.
    for name, _rel, _idcol in SETS:
        rows = data[name]
        rng = random.Random(f"{SEED}:dev:{name}")
        order = list(range(len(rows)))
        rng.shuffle(order)
        got = 0
        for k in order:
            if got >= RANDOM_COUNTS[name]:
                break
            rid, raw, text = rows[k]
            if try_take(rid, raw, text, name, "random"):
                got += 1

    # 2. Targeted enrichment by keyword family.
    pools, pos = {}, {}
    for fam in FAMILY_ORDER:
        pats = [re.compile(p, re.I) for p in FILTERS[fam]]
        sets = FAMILY_SETS.get(fam, [s for s, _r, _i in SETS])
        pool = []
        for name in sets:
            for rid, raw, text in data[name]:
                if any(p.search(text) for p in pats):
                    pool.append((rid, raw, text, name))
        random.Random(f"{SEED}:enrich:dev:{fam}").shuffle(pool)
        got, k = 0, 0
        while k < len(pool) and got < ENRICH_PER_FAMILY:
            rid, raw, text, name = pool[k]
            k += 1
            if try_take(rid, raw, text, name, f"enrich:{fam}"):
                got += 1
        pools[fam], pos[fam] = pool, k
        print(f"family {fam}: pool {len(pool)}, taken {got}", file=sys.stderr)

    # 3. Round 2: the same pools, from where round 1 stopped.
    for fam, count in ROUND2:
        pool, k, got = pools[fam], pos[fam], 0
        while k < len(pool) and got < count:
            rid, raw, text, name = pool[k]
            k += 1
            if try_take(rid, raw, text, name, f"enrich2:{fam}"):
                got += 1
        print(f"round 2 family {fam}: taken {got}", file=sys.stderr)

    def shuffled_pool(filters, sets, key):
        """The rows of `sets` that a pattern of `filters` finds, shuffled by `key`."""
        pats = [re.compile(p, re.I) for p in filters]
        pool = [(rid, raw, text, name) for name in sets for rid, raw, text in data[name]
                if any(p.search(text) for p in pats)]
        random.Random(f"{SEED}:{key}").shuffle(pool)
        return pool

    def walk(pool, count, group):
        """Take up to `count` rows of `pool` in order (taken and duplicate rows skipped)."""
        got = 0
        for rid, raw, text, name in pool:
            if got >= count:
                break
            if try_take(rid, raw, text, name, group):
                got += 1
        return got

    all_sets = [s for s, _r, _i in SETS]
    # 4. Round 3: own tighter filters, fresh shuffles (all four sets).
    for fam, count in ROUND3:
        pool = shuffled_pool(FILTERS3[fam], all_sets, f"enrich3:dev:{fam}")
        got = walk(pool, count, f"enrich3:{fam}")
        print(f"round 3 family {fam}: pool {len(pool)}, taken {got}", file=sys.stderr)

    # 5. Round 4: the round-3 pools go on (the rows round 3 took are skipped as taken),
    # then broader filters (ROUND4_SETS only).
    for fam, count in ROUND4_CONTINUE:
        pool = shuffled_pool(FILTERS3[fam], all_sets, f"enrich3:dev:{fam}")
        got = walk(pool, count, f"enrich4:{fam}")
        print(f"round 4 family {fam} (continued): pool {len(pool)}, taken {got}", file=sys.stderr)
    for fam, count in ROUND4:
        pool = shuffled_pool(FILTERS4[fam], ROUND4_SETS, f"enrich4:dev:{fam}")
        got = walk(pool, count, f"enrich4:{fam}")
        print(f"round 4 family {fam}: pool {len(pool)}, taken {got}", file=sys.stderr)

    def walks_go_on(rnd, random_counts, families, continue4):
        """Rounds 5 and 6: the random walks go on (the same per-set shuffles as rows 1-300),
        then round 1's family pools, then round 4's pools (the same shuffles)."""
        for name, _rel, _idcol in SETS:
            rows = data[name]
            rng = random.Random(f"{SEED}:dev:{name}")
            order = list(range(len(rows)))
            rng.shuffle(order)
            got = walk([(rows[k][0], rows[k][1], rows[k][2], name) for k in order], random_counts[name],
                       f"random{rnd}")
            print(f"round {rnd} random {name}: taken {got}", file=sys.stderr)
        for fam, count in families:
            got = walk(pools[fam][pos[fam]:], count, f"enrich{rnd}:{fam}")
            print(f"round {rnd} family {fam} (continued): taken {got}", file=sys.stderr)
        for fam, count in continue4:
            pool = shuffled_pool(FILTERS4[fam], ROUND4_SETS, f"enrich4:dev:{fam}")
            got = walk(pool, count, f"enrich{rnd}:{fam}")
            print(f"round {rnd} family {fam} (continued): pool {len(pool)}, taken {got}", file=sys.stderr)

    # 6. Round 5, then 7. round 6.
    walks_go_on(5, ROUND5_RANDOM, ROUND5_FAMILIES, ROUND5_CONTINUE4)
    walks_go_on(6, ROUND6_RANDOM, ROUND6_FAMILIES, ROUND6_CONTINUE4)

    w = sys.stdout
    w.write("n\tid\tsource\tgroup" + ("\ttext" if show else "") + "\n")
    for n, (rid, src, group, raw) in enumerate(out, 1):
        w.write(f"{n}\t{rid}\t{src}\t{group}" + (f"\t{raw}" if show else "") + "\n")


if __name__ == "__main__":
    main()
