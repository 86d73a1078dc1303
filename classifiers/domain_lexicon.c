/*
 * domain_lexicon.c - the customer-care lexicon of the scrm sentiment mode.
 *
 * Written for this project by hand (not copied or derived from any third-party word
 * list): words and phrases of customer-care traffic (airlines, apps, shops, support
 * lines) that VADER's lexicon lacks, scores neutral, or scores in a way that misleads
 * on support messages. Valences are on VADER's scale (-4..+4). Each entry was chosen
 * by reading what the word means in a support message; the scale of the whole table
 * was then checked on dev half A only (see sentiment.c and bench/sent_accuracy.c).
 *
 * Kinds (sentiment.h, enum scrm_domain_kind):
 *   WORD      a word not in VADER's lexicon, or one whose VADER valence this entry
 *             replaces (in scrm mode only); negation flips it as in VADER
 *   ABSENCE   a thing customers ask for (a refund, a reply): mild by itself, and
 *             negative when negated ("no response", "never got a refund")
 *   PHRASE    several words whose meaning is not the sum of the words' ("on hold",
 *             "still waiting", "customer care": a desk, not caring); replaces the
 *             words' own valences
 *   FUNCTION  something that should work ("working", "load"): negative when negated
 *             ("not working", "won't load"), neutral otherwise
 *   DURATION  a length of time ("hours"): valued as a WORD (a wait: "3 hours on hold"),
 *             except after a timetable word ("opening hours", "your hours"): neutral
 *
 * A WORD of valence 0 silences a VADER word that misleads in support text: "please"
 * asks, "security" is the airport line, "credit card" is a card.
 */
#include "sentiment.h"

const scrm_domain_entry scrm_domain_lexicon[] = {
	/* delays, cancellations, travel trouble */
	{"delayed", -1.6, SCRM_DOMAIN_WORD},     {"delay", -1.5, SCRM_DOMAIN_WORD},
	{"delays", -1.5, SCRM_DOMAIN_WORD},      {"delaying", -1.5, SCRM_DOMAIN_WORD},
	{"cancelled", -1.6, SCRM_DOMAIN_WORD},   {"canceled", -1.6, SCRM_DOMAIN_WORD},
	{"cancelling", -1.3, SCRM_DOMAIN_WORD},  {"canceling", -1.3, SCRM_DOMAIN_WORD},
	{"cancellation", -1.2, SCRM_DOMAIN_WORD}, {"cancellations", -1.2, SCRM_DOMAIN_WORD},
	{"stuck", -1.6, SCRM_DOMAIN_WORD},       {"stranded", -2.0, SCRM_DOMAIN_WORD},
	{"overbooked", -1.6, SCRM_DOMAIN_WORD},  {"oversold", -1.4, SCRM_DOMAIN_WORD},
	{"diverted", -1.0, SCRM_DOMAIN_WORD},    {"late", -1.2, SCRM_DOMAIN_WORD},
	{"misplaced", -1.3, SCRM_DOMAIN_WORD},   {"waited", -1.0, SCRM_DOMAIN_WORD},
	{"waiting", -0.8, SCRM_DOMAIN_WORD},     {"wait", -0.5, SCRM_DOMAIN_WORD},
	{"hours", -0.4, SCRM_DOMAIN_DURATION},   {"hrs", -0.5, SCRM_DOMAIN_DURATION},
	{"unhelpful", -1.9, SCRM_DOMAIN_WORD},   {"nobody", -0.8, SCRM_DOMAIN_WORD},
	{"unable", -1.0, SCRM_DOMAIN_WORD},      {"disconnected", -1.2, SCRM_DOMAIN_WORD},
	{"overcharged", -1.9, SCRM_DOMAIN_WORD}, {"fees", -0.5, SCRM_DOMAIN_WORD},
	{"fee", -0.4, SCRM_DOMAIN_WORD},         {"rebook", -0.5, SCRM_DOMAIN_WORD},
	{"rebooked", -0.6, SCRM_DOMAIN_WORD},
	/* software and product trouble */
	{"issue", -1.0, SCRM_DOMAIN_WORD},       {"issues", -1.0, SCRM_DOMAIN_WORD},
	{"glitch", -1.3, SCRM_DOMAIN_WORD},      {"glitches", -1.3, SCRM_DOMAIN_WORD},
	{"bug", -1.0, SCRM_DOMAIN_WORD},         {"bugs", -1.0, SCRM_DOMAIN_WORD},
	{"buggy", -1.5, SCRM_DOMAIN_WORD},       {"crashed", -1.7, SCRM_DOMAIN_WORD},
	{"crashing", -1.7, SCRM_DOMAIN_WORD},    {"crashes", -1.7, SCRM_DOMAIN_WORD},
	{"outage", -1.5, SCRM_DOMAIN_WORD},      {"errors", -1.7, SCRM_DOMAIN_WORD},
	{"fix", -0.5, SCRM_DOMAIN_WORD},         {"malfunction", -1.5, SCRM_DOMAIN_WORD},
	{"laggy", -1.3, SCRM_DOMAIN_WORD},       {"unusable", -2.0, SCRM_DOMAIN_WORD},
	/* requests: "please" and "help" ask, they do not praise */
	{"please", 0.0, SCRM_DOMAIN_WORD},       {"pls", 0.0, SCRM_DOMAIN_WORD},
	{"plz", 0.0, SCRM_DOMAIN_WORD},
	/* things customers ask for: negative when missing */
	{"refund", -0.6, SCRM_DOMAIN_ABSENCE},   {"refunds", -0.6, SCRM_DOMAIN_ABSENCE},
	{"response", 0.0, SCRM_DOMAIN_ABSENCE},  {"reply", 0.0, SCRM_DOMAIN_ABSENCE},
	{"answer", 0.0, SCRM_DOMAIN_ABSENCE},    {"callback", 0.0, SCRM_DOMAIN_ABSENCE},
	{"update", 0.0, SCRM_DOMAIN_ABSENCE},    {"updates", 0.0, SCRM_DOMAIN_ABSENCE},
	{"info", 0.0, SCRM_DOMAIN_ABSENCE},      {"information", 0.0, SCRM_DOMAIN_ABSENCE},
	{"compensation", -0.3, SCRM_DOMAIN_ABSENCE}, {"wifi", 0.0, SCRM_DOMAIN_ABSENCE},
	{"signal", 0.0, SCRM_DOMAIN_ABSENCE},    {"service", 0.0, SCRM_DOMAIN_ABSENCE},
	/* things that should work */
	{"working", 0.0, SCRM_DOMAIN_FUNCTION},  {"work", 0.0, SCRM_DOMAIN_FUNCTION},
	{"works", 0.0, SCRM_DOMAIN_FUNCTION},    {"load", 0.0, SCRM_DOMAIN_FUNCTION},
	{"loading", 0.0, SCRM_DOMAIN_FUNCTION},  {"open", 0.0, SCRM_DOMAIN_FUNCTION},
	{"play", 0.0, SCRM_DOMAIN_FUNCTION},     {"connect", 0.0, SCRM_DOMAIN_FUNCTION},
	{"login", 0.0, SCRM_DOMAIN_FUNCTION},    {"arrived", 0.0, SCRM_DOMAIN_FUNCTION},
	{"received", 0.0, SCRM_DOMAIN_FUNCTION}, {"refunded", 0.0, SCRM_DOMAIN_FUNCTION},
	{"responded", 0.0, SCRM_DOMAIN_FUNCTION}, {"answered", 0.0, SCRM_DOMAIN_FUNCTION},
	/* phrases */
	{"on hold", -1.6, SCRM_DOMAIN_PHRASE},   {"still waiting", -1.9, SCRM_DOMAIN_PHRASE},
	{"still no", -1.5, SCRM_DOMAIN_PHRASE},  {"hung up", -1.6, SCRM_DOMAIN_PHRASE},
	{"long lines", -1.3, SCRM_DOMAIN_PHRASE}, {"long line", -1.3, SCRM_DOMAIN_PHRASE},
	{"long wait", -1.6, SCRM_DOMAIN_PHRASE}, {"never again", -2.0, SCRM_DOMAIN_PHRASE},
	{"no one", -0.8, SCRM_DOMAIN_PHRASE},    {"lost luggage", -1.8, SCRM_DOMAIN_PHRASE},
	{"lost my bag", -1.8, SCRM_DOMAIN_PHRASE}, {"lost our bags", -1.8, SCRM_DOMAIN_PHRASE},
	{"customer service", 0.0, SCRM_DOMAIN_PHRASE}, {"customer care", 0.0, SCRM_DOMAIN_PHRASE},
	{"health care", 0.0, SCRM_DOMAIN_PHRASE},
	{"credit card", 0.0, SCRM_DOMAIN_PHRASE}, {"security", 0.0, SCRM_DOMAIN_WORD},
	{"support", 0.0, SCRM_DOMAIN_WORD},
	{"joke", -0.8, SCRM_DOMAIN_WORD},
	{"shout out", 1.5, SCRM_DOMAIN_PHRASE},  {"thanks for nothing", -2.0, SCRM_DOMAIN_PHRASE},
	{"thank you so much", 2.8, SCRM_DOMAIN_PHRASE},
	/* a problem that is over: the trouble word is good news here */
	{"problem fixed", 1.6, SCRM_DOMAIN_PHRASE}, {"problem solved", 1.8, SCRM_DOMAIN_PHRASE},
	{"problem resolved", 1.6, SCRM_DOMAIN_PHRASE}, {"issue fixed", 1.6, SCRM_DOMAIN_PHRASE},
	{"issue resolved", 1.6, SCRM_DOMAIN_PHRASE}, {"issue solved", 1.6, SCRM_DOMAIN_PHRASE},
	{"all sorted", 1.6, SCRM_DOMAIN_PHRASE},    {"got it working", 1.5, SCRM_DOMAIN_PHRASE},
	{"fixed it", 1.2, SCRM_DOMAIN_PHRASE},      {"working again", 1.2, SCRM_DOMAIN_PHRASE},
	/* praise of service */
	{"upgraded", 1.5, SCRM_DOMAIN_WORD},     {"shoutout", 1.5, SCRM_DOMAIN_WORD},
	{"props", 1.2, SCRM_DOMAIN_WORD},        {"seamless", 1.6, SCRM_DOMAIN_WORD},
	{"smooth", 1.2, SCRM_DOMAIN_WORD},       {"quickly", 0.6, SCRM_DOMAIN_WORD},
};

const size_t scrm_domain_lexicon_size = sizeof scrm_domain_lexicon / sizeof scrm_domain_lexicon[0];
