/*
 * tests/fuzz/fuzz_csv.c - libFuzzer: d4m_assoc_parse_csv, then
 * d4m_assoc_write_csv and a second parse that must give an equal Assoc.
 */
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_round_trip(d4m_assoc_parse_csv, d4m_assoc_write_csv, data, size);
    return 0;
}
