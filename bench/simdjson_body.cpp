// simdjson_body: what the JSON body path would cost with the simdjson
// library (Debian libsimdjson-dev) instead of urlfan's own minifier, in the
// same units as bench/json_body: ns a byte of FILE, best and median of 25
// rounds, the ways interleaved round by round. Kept for docs/PROFILE.md,
// which has the numbers: simdjson was tried and not adopted, so nothing
// in urlfan links it and meson does not build this file. By hand:
//
//     apt-get install libsimdjson-dev
//     g++ -O2 -o /tmp/simdjson_body bench/simdjson_body.cpp -lsimdjson
//     /tmp/simdjson_body FILE [REPS]
//
// The body path needs both halves: validation (a DOM parse, simdjson's
// full check) and minification (simdjson::minify, which does not
// validate). The ways: each half and both with the kernel simdjson picks
// for this processor, and the minifier of the "haswell" (AVX2) kernel,
// which is faster than the "icelake" (AVX-512) one on AMD Zen 4.
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

static double now()
{
	timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		std::fprintf(stderr, "usage: simdjson_body FILE [REPS]\n");
		return 2;
	}
	long reps = argc > 2 ? std::atol(argv[2]) : 1000;
	simdjson::padded_string json;
	if (simdjson::padded_string::load(argv[1]).get(json) || reps < 1) {
		std::fprintf(stderr, "simdjson_body: cannot read %s\n", argv[1]);
		return 2;
	}
	const simdjson::implementation *picked = simdjson::get_active_implementation();
	const simdjson::implementation *haswell = simdjson::get_available_implementations()["haswell"];
	simdjson::dom::parser parser;
	std::vector<char> out(json.size() + simdjson::SIMDJSON_PADDING);
	size_t len = 0;
	const char *names[] = {"validate", "minify", "both", "minify (haswell)"};
	std::vector<double> t[4];
	for (int r = 0; r < 25; r++) {
		for (int w = 0; w < 4; w++) {
			if (w == 3 && !haswell->supported_by_runtime_system())
				continue;
			double t0 = now();
			for (long k = 0; k < reps; k++) {
				bool bad = false;
				if (w == 0 || w == 2)
					bad |= parser.parse(json).error() != simdjson::SUCCESS;
				if (w == 1 || w == 2)
					bad |= picked->minify((const uint8_t *)json.data(), json.size(),
							      (uint8_t *)out.data(), len) != simdjson::SUCCESS;
				if (w == 3)
					bad |= haswell->minify((const uint8_t *)json.data(), json.size(),
							       (uint8_t *)out.data(), len) != simdjson::SUCCESS;
				if (bad) {
					std::fprintf(stderr, "simdjson_body: %s is not JSON\n", argv[1]);
					return 1;
				}
			}
			t[w].push_back((now() - t0) / double(reps) / double(json.size()) * 1e9);
		}
	}
	std::printf("%s: %zu bytes, minified %zu, kernel %s\n", argv[1], json.size(), len,
		    picked->name().c_str());
	for (int w = 0; w < 4; w++) {
		if (t[w].empty())
			continue;
		std::sort(t[w].begin(), t[w].end());
		std::printf("%-17s best %.3f ns/B  median %.3f ns/B\n", names[w], t[w][0],
			    t[w][t[w].size() / 2]);
	}
	return 0;
}
