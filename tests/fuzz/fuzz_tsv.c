/*
 * tests/fuzz/fuzz_tsv.c - libFuzzer: d4m_assoc_parse_tsv, then
 * d4m_assoc_write_tsv and a second parse that must give an equal Assoc.
 */
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_round_trip(d4m_assoc_parse_tsv, d4m_assoc_write_tsv, data, size);
    return 0;
}
