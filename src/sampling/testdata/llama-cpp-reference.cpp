// Generates llama-cpp-reference.json: token sequences picked by llama.cpp's own sampler chain
// (libllama's llama_sampler_* API, no model needed) over synthetic logit rows, so that
// sampler.reference.test.ts can check that our chain picks the very same tokens.
//
// Build against the llama.cpp that node-llama-cpp 3.21.1 bundles (GCC 11 / libstdc++ build):
//   git clone -q --no-checkout node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/lcpp
//   (cd /tmp/lcpp && mkdir -p /tmp/lcpp-inc && git archive HEAD include ggml/include | tar -x -C /tmp/lcpp-inc)
//   BIN=$PWD/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
//   g++ -O1 -std=c++17 -I/tmp/lcpp-inc/include -I/tmp/lcpp-inc/ggml/include \
//     src/sampling/testdata/llama-cpp-reference.cpp -L$BIN -l:libllama.v0.4.0.so -Wl,-rpath,$BIN -o /tmp/ref
//   /tmp/ref > src/sampling/testdata/llama-cpp-reference.json

#include "llama.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

// The logit rows, shared bit for bit with the TypeScript test: one 32-bit LCG stream per case,
// 24-bit draws turned into floats with exact double arithmetic.
struct Rows {
    uint32_t state;
    uint32_t next() { state = state * 1664525u + 1013904223u; return state; }
    float value(const std::string & kind) {
        const double u = double(next() >> 8);
        if (kind == "smooth") return float(u / 16777216.0 * 24.0 - 12.0);
        if (kind == "ties")   return float(double(uint32_t(u) >> 20) / 2.0 - 4.0); // 16 levels, many equal
        // "peaked": a flat band plus rare tokens 10 above it
        const double base = u / 16777216.0 * 8.0 - 8.0;
        return float((next() >> 8) % 4096 == 0 ? base + 10.0 : base);
    }
};

struct Bias { int token; float bias; };

struct Case {
    std::string name;
    std::string kind;
    int n_vocab;
    int steps;
    uint32_t data_seed;
    uint32_t seed;
    std::vector<int> prompt;
    std::string order = "edskypmxt";
    float temperature = 0.8f;
    int top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;
    float typical_p = 1.0f;
    float repeat_penalty = 1.0f;
    int repeat_last_n = 64;
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    int min_keep = 0;
    std::vector<Bias> bias;
};

static std::vector<int> run(const Case & c) {
    llama_sampler * chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
    if (!c.bias.empty()) {
        std::vector<llama_logit_bias> lb;
        for (const auto & b : c.bias) lb.push_back({ b.token, b.bias });
        llama_sampler_chain_add(chain, llama_sampler_init_logit_bias(c.n_vocab, (int32_t) lb.size(), lb.data()));
    }
    for (char ch : c.order) {
        switch (ch) {
            case 'e': llama_sampler_chain_add(chain, llama_sampler_init_penalties(c.n_vocab, c.repeat_last_n, c.repeat_penalty, c.frequency_penalty, c.presence_penalty)); break;
            case 'k': llama_sampler_chain_add(chain, llama_sampler_init_top_k(c.top_k)); break;
            case 'y': llama_sampler_chain_add(chain, llama_sampler_init_typical(c.typical_p, c.min_keep)); break;
            case 'p': llama_sampler_chain_add(chain, llama_sampler_init_top_p(c.top_p, c.min_keep)); break;
            case 'm': llama_sampler_chain_add(chain, llama_sampler_init_min_p(c.min_p, c.min_keep)); break;
            case 't': llama_sampler_chain_add(chain, llama_sampler_init_temp_ext(c.temperature, 0.0f, 1.0f)); break;
            default: break; // d, s, x: off in every case here
        }
    }
    llama_sampler_chain_add(chain, llama_sampler_init_dist(c.seed));
    for (int t : c.prompt) llama_sampler_accept(chain, t);

    Rows rows { c.data_seed };
    std::vector<llama_token_data> cur(c.n_vocab);
    std::vector<int> out;
    for (int s = 0; s < c.steps; ++s) {
        for (int i = 0; i < c.n_vocab; ++i) cur[i] = { i, rows.value(c.kind), 0.0f };
        llama_token_data_array cur_p = { cur.data(), cur.size(), -1, false };
        llama_sampler_apply(chain, &cur_p);
        const int token = cur_p.data[cur_p.selected].id;
        llama_sampler_accept(chain, token);
        out.push_back(token);
    }
    llama_sampler_free(chain);
    return out;
}

static void print_float(const char * key, float v) {
    // %.9g round-trips an f32 exactly; -inf travels as a string
    if (std::isinf(v)) printf("\"%s\": \"%s\"", key, v < 0 ? "-Infinity" : "Infinity");
    else printf("\"%s\": %.9g", key, v);
}

int main() {
    const int V = 128256;
    std::vector<Case> cases;
    auto add = [&](Case c) { cases.push_back(c); return &cases.back(); };

    add({ "defaults, smooth logits", "smooth", V, 16, 1, 42, {} });
    { auto * c = add({ "defaults + penalties, heavy ties", "ties", V, 16, 2, 7, { 5, 9, 9, 300 } });
      c->repeat_penalty = 1.3f; c->frequency_penalty = 0.2f; c->presence_penalty = 0.4f; }
    { auto * c = add({ "penalties over a 3-token window", "ties", 2000, 40, 3, 11, { 1, 2, 3 } });
      c->repeat_penalty = 1.5f; c->repeat_last_n = 3; c->presence_penalty = 0.5f; c->top_k = 8; }
    { auto * c = add({ "full vocab top-p, expands past 256", "smooth", V, 6, 4, 123, {} });
      c->top_k = 0; c->top_p = 0.9f; c->min_p = 0.0f; c->temperature = 1.0f; }
    { auto * c = add({ "full vocab top-p + min-p, peaked", "peaked", V, 12, 5, 99, {} });
      c->top_k = 0; }
    { auto * c = add({ "min-p unsorted path", "smooth", V, 8, 6, 5, {} });
      c->top_k = 0; c->top_p = 1.0f; c->min_p = 0.3f; c->temperature = 1.2f; }
    { auto * c = add({ "min-p falls back to a full sort for min_keep", "ties", V, 3, 7, 3, {} });
      c->top_k = 0; c->top_p = 1.0f; c->min_p = 0.9f; c->min_keep = 9000; c->temperature = 1.0f; }
    { auto * c = add({ "typical after top-k 100", "smooth", V, 10, 8, 77, {} });
      c->top_k = 100; c->typical_p = 0.5f; c->top_p = 1.0f; c->min_p = 0.0f; c->temperature = 1.0f; }
    { auto * c = add({ "typical over 5000 tokens, min_keep 3", "peaked", 5000, 10, 9, 8, {} });
      c->top_k = 0; c->typical_p = 0.8f; c->min_keep = 3; }
    { auto * c = add({ "top-k 500 on ties (bucket sort)", "ties", V, 8, 10, 2024, {} });
      c->top_k = 500; c->top_p = 1.0f; c->min_p = 0.0f; c->temperature = 1.5f; }
    { auto * c = add({ "greedy after top-k on ties", "ties", V, 6, 11, 1, {} });
      c->temperature = 0.0f; }
    { auto * c = add({ "greedy alone on ties (first max in id order)", "ties", 4096, 6, 12, 1, {} });
      c->order = "t"; c->temperature = -1.0f; }
    { auto * c = add({ "custom order tkpm", "smooth", 32000, 10, 13, 0, {} });
      c->order = "tkpm"; c->temperature = 0.5f; c->top_k = 20; c->top_p = 0.8f; c->min_p = 0.1f; }
    { auto * c = add({ "logit bias bans and boosts", "smooth", 1000, 20, 14, 4294967294u, { 7, 7, 8 } });
      c->top_k = 0; c->top_p = 0.99f; c->repeat_penalty = 1.5f; c->repeat_last_n = 8;
      c->bias = { { 5, -INFINITY }, { 17, -INFINITY }, { 400, -INFINITY }, { 7, 5.0f }, { 9, -2.5f } }; }
    { auto * c = add({ "600 tokens, top-p sorts in place (bucket path)", "smooth", 600, 20, 15, 31337, {} });
      c->top_k = 0; c->top_p = 0.8f; c->min_p = 0.02f; }
    { auto * c = add({ "100 tokens, top-p heap-sorts in place", "ties", 100, 20, 16, 4, {} });
      c->top_k = 0; c->top_p = 0.7f; c->min_p = 0.0f; }
    { auto * c = add({ "min_keep 30 with tight top-p and min-p", "smooth", V, 8, 17, 6, {} });
      c->top_k = 0; c->top_p = 0.05f; c->min_p = 0.5f; c->min_keep = 30; c->temperature = 1.0f; }
    { auto * c = add({ "plain draw over the whole vocabulary", "smooth", V, 12, 18, 12345, {} });
      c->order = ""; }
    { auto * c = add({ "single survivors still consume a draw", "peaked", 20000, 30, 19, 2718, {} });
      c->top_k = 0; c->top_p = 1.0f; c->min_p = 0.5f; c->temperature = 1.0f; }

    printf("{\n  \"generator\": \"llama-cpp-reference.cpp against libllama from node-llama-cpp 3.21.1 (llama.cpp 80fb11ac, 2026-09-12)\",\n  \"cases\": [\n");
    for (size_t i = 0; i < cases.size(); ++i) {
        const Case & c = cases[i];
        const std::vector<int> tokens = run(c);
        printf("    { \"name\": \"%s\", \"kind\": \"%s\", \"nVocab\": %d, \"steps\": %d, \"dataSeed\": %u,\n      \"params\": { \"seed\": %u, \"order\": \"%s\", ",
               c.name.c_str(), c.kind.c_str(), c.n_vocab, c.steps, c.data_seed, c.seed, c.order.c_str());
        print_float("temperature", c.temperature); printf(", \"topK\": %d, ", c.top_k);
        print_float("topP", c.top_p); printf(", "); print_float("minP", c.min_p); printf(", ");
        print_float("typicalP", c.typical_p); printf(", "); print_float("repeatPenalty", c.repeat_penalty);
        printf(", \"repeatLastN\": %d, ", c.repeat_last_n);
        print_float("frequencyPenalty", c.frequency_penalty); printf(", "); print_float("presencePenalty", c.presence_penalty);
        printf(", \"minKeep\": %d", c.min_keep);
        if (!c.bias.empty()) {
            printf(", \"logitBias\": {");
            for (size_t j = 0; j < c.bias.size(); ++j) {
                printf("%s", j ? ", " : " ");
                const std::string key = std::to_string(c.bias[j].token);
                print_float(key.c_str(), c.bias[j].bias);
            }
            printf(" }");
        }
        printf(" },\n      \"prompt\": [");
        for (size_t j = 0; j < c.prompt.size(); ++j) printf("%s%d", j ? ", " : "", c.prompt[j]);
        printf("],\n      \"tokens\": [");
        for (size_t j = 0; j < tokens.size(); ++j) printf("%s%d", j ? ", " : "", tokens[j]);
        printf("] }%s\n", i + 1 < cases.size() ? "," : "");
    }
    printf("  ]\n}\n");
    return 0;
}
