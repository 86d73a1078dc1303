/*
 * encode.h - `scrm encode`: the sentence encoder's output (encoder.h) for every line of a
 * text file, or its pieces; also the check that an encoder file loads.
 */
#ifndef SCRM_ENCODE_H
#define SCRM_ENCODE_H

/*
 * scrm_encode_main() - argv[0] is "encode". Writes one TSV line per input line on stdout.
 * Return: 0; 1 on an I/O error; 2 on a usage error or an unloadable encoder file.
 */
int scrm_encode_main(int argc, char **argv);

#endif
