// Shared by the synthetic archive writers (synth_archive.cpp) and the multi-site cohort (synth_sites.cpp).
#pragma once
#include <cstdint>
#include <string>

#include "radhpc/pipeline/synth.hpp"

namespace radhpc::pipeline::detail {

std::string num(double v);  // %.10g
// The seed of a stream of its own, a hash of (seed, tag, i) (tags: see synth.cpp).
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t tag, std::uint64_t i);

// One archive into out_dir: the default one (site == nullptr) or one site of a --sites cohort.
void write_single_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options,
                          const SynthSite* site);
// <out>/site-<k>/ for every site of the plan and <out>/sites.json.
void write_sites_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options);

}  // namespace radhpc::pipeline::detail
