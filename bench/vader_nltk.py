#!/usr/bin/env python3
"""vader_nltk.py - NLTK's VADER on the texts of bench_analyze --dump-texts (for
bench/vader_compare.sh): one warm-up pass and R timed passes on one thread.

Usage: vader_nltk.py LEXICON TEXTS OUT [REPEATS]
Prints "nltk texts N cpu min S median S wall min S texts/cpu-s X" and writes each
text's compound ("%.4f") to OUT, one per line.
"""
import sys
import time

from nltk.sentiment.vader import SentimentIntensityAnalyzer
from scrm_tsv import unescape


class Analyzer(SentimentIntensityAnalyzer):
    # NLTK 3.8 reads the lexicon with split("\n") and fails on the empty string after
    # the file's final newline; skipping blank lines changes no score.
    def make_lex_dict(self):
        lex = {}
        for line in self.lexicon_file.split("\n"):
            if line.strip():
                word, measure = line.strip().split("\t")[0:2]
                lex[word] = float(measure)
        return lex


def main():
    lexicon, texts_path, out_path = sys.argv[1:4]
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    sia = Analyzer(lexicon_file="file:" + lexicon)
    with open(texts_path, encoding="utf-8", errors="replace", newline="\n") as f:
        texts = [unescape(line.rstrip("\n")) for line in f]
    cpu, wall = [], []
    comp = []
    for r in range(reps + 1):
        c0, w0 = time.thread_time(), time.perf_counter()
        comp = [sia.polarity_scores(t)["compound"] for t in texts]
        c1, w1 = time.thread_time(), time.perf_counter()
        if r > 0:
            cpu.append(c1 - c0)
            wall.append(w1 - w0)
    cpu.sort()
    wall.sort()
    print("nltk texts %d  cpu min %.4f s  median %.4f s  wall min %.4f s  texts/cpu-s %.0f"
          % (len(texts), cpu[0], cpu[len(cpu) // 2], wall[0], len(texts) / cpu[0]))
    with open(out_path, "w") as f:
        for c in comp:
            f.write("%.4f\n" % c)


if __name__ == "__main__":
    main()
