/*
 * score.h - `scrm score`: sentiment of every row of a TSV file or line of text (score.c
 * documents the formats).
 */
#ifndef SCRM_SCORE_H
#define SCRM_SCORE_H

/*
 * scrm_score_main() - argv[0] is "score". Writes TSV id, neg, neu, pos, compound on
 * stdout, one line per input row, in input order.
 * Return: 0; 1 on an I/O error; 2 on a usage error or an unloadable lexicon.
 */
int scrm_score_main(int argc, char **argv);

#endif
