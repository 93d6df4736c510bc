// NAS-Bench-BERT as its authors publish it (aaronserianni/training-free-nas, data/):
// BERT_benchmark.json, records {id, scores: {..., glue}, hparams: {...,
// model_hparam_overrides: {hidden_size, nas_config: {encoder_layers}}}}, and beside it
// BERT_results_activation.csv, one row per ID with the published proxies.
#pragma once

#include <string>

#include "engine/benchmarks/benchmark_file.hpp"

namespace zerolm {

// The benchmark-reader registry's entry for the published files.
BenchmarkReader nas_bench_bert_upstream_reader();

// The baseline name of a published column: lower-case, spaces to underscores
// ("Synaptic Diversity" -> "synaptic_diversity"), as the converted file names them.
std::string published_column_baseline_name(const std::string& column);

// Reads `csv_path`'s published proxies into the records of `benchmark` (matched by
// ID; every record needs its row). Strict: a malformed row or a value that is not a
// number is an Error naming file, row, column and value; an empty value leaves that
// column out of the baselines, reported on stderr with how many rows lack it.
void read_published_proxy_csv(Benchmark& benchmark, const std::string& csv_path);

}  // namespace zerolm
