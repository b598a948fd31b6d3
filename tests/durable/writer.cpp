// The writer that tests/data/durable_writes_test.cpp kills. One program per run, so every
// write runs in a fresh single-purpose process (no fork of a threaded test process):
//
//   tapegrad_durable_writer KIND PATH once REFDIR   writes version 0 to PATH and both
//                                                   versions to REFDIR/KIND.0 and .1
//   tapegrad_durable_writer KIND PATH loop REFDIR   checks PATH as `check` does (exit 1 if
//                                                   it fails), then writes versions 1, 0,
//                                                   1, ... to PATH forever, printing
//                                                   "ready" when it starts and "w" after
//                                                   each write
//   tapegrad_durable_writer KIND PATH check REFDIR  exit 0 if PATH loads with KIND's reader
//                                                   and holds exactly version 0 or 1
//
// KIND names a writer of the library or the trainer: model, optimizer, checkpoint, curve,
// plot, profile, npz, idx. Versions are a few MiB (the plot less), so a write takes long
// enough for a kill to land inside it.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../examples/tapegrad-train/checkpoint.h"
#include "../../examples/tapegrad-train/report.h"
#include "data/idx.h"
#include "autograd/profiler.h"
#include "data/png.h"
#include "tapegrad.h"

namespace {

using tg::Tensor;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

tg::nn::Linear seeded_linear(int64_t in, int64_t out, int version) {
  tg::manual_seed(100 + version);
  return tg::nn::Linear(tg::nn::LinearOptions(in, out));
}

// An Adam optimizer with state after one step whose gradients depend on the version.
struct Trained {
  tg::nn::Linear model;
  std::unique_ptr<tg::optim::Adam> adam;
};
Trained trained(int64_t in, int64_t out, int version) {
  Trained t{seeded_linear(in, out, version), nullptr};
  t.adam = std::make_unique<tg::optim::Adam>(t.model->parameters(), tg::optim::AdamOptions(0.01));
  t.model->weight.set_grad(tg::full({out, in}, 0.5 + version));
  t.model->bias.set_grad(tg::full({out}, 1.5 + version));
  t.adam->step();
  return t;
}

train::History history(int version) {
  train::History h;
  const int64_t rows = version == 0 ? 20000 : 30000;
  for (int64_t e = 1; e <= rows; ++e)
    h.push_back({e, 1.0 / e, 0.5 + version * 0.01, 2.0 / e, 0.4, 1.25 * e, 1000.0 + e});
  return h;
}

tg::io::RawArray idx_array(int version) {
  std::vector<uint8_t> bytes(1 << 22);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + version);
  return tg::io::RawArray::from_values<uint8_t>({4, 1024, 1024}, bytes);
}

// A profile of 15,000 (version 0) or 20,000 (version 1) ops; times differ from run to run.
std::shared_ptr<tg::autograd::profile> profile_of(int version) {
  Tensor x = tg::ones({4});
  auto prof = std::make_shared<tg::autograd::profile>();
  for (int i = 0; i < 15000 + 5000 * version; ++i) x = x * 1.0;
  prof->stop();
  return prof;
}

using Writer = std::function<void(const std::string& path)>;

struct Kind {
  // Builds version 0 or 1 (before the loop, so that the loop spends its time writing) and
  // returns what writes it.
  std::function<Writer(int version)> prepare;
  std::function<void(const std::string& path)> load;  // throws if the file does not load
  bool deterministic = true;  // else `load` checks the content itself
};

std::map<std::string, Kind> kinds() {
  std::map<std::string, Kind> k;
  k["model"] = {[](int v) -> Writer {
                  auto m = seeded_linear(1024, 1024, v);
                  return [m](const std::string& p) { tg::save(m, p); };
                },
                [](const std::string& p) {
                  tg::nn::Linear m(tg::nn::LinearOptions(1024, 1024));
                  tg::load(m, p);
                }};
  k["optimizer"] = {[](int v) -> Writer {
                      auto t = std::make_shared<Trained>(trained(512, 512, v));
                      return [t](const std::string& p) { tg::save(*t->adam, p); };
                    },
                    [](const std::string& p) {
                      Trained t = trained(512, 512, 0);
                      tg::load(*t.adam, p);
                    }};
  k["checkpoint"] = {[](int v) -> Writer {
                       auto t = std::make_shared<Trained>(trained(1024, 512, v));
                       train::Checkpoint ck;
                       ck.epoch = v + 1;
                       ck.best_accuracy = 0.5;
                       ck.generator_state = tg::default_generator().get_state();
                       return [t, ck](const std::string& p) {
                         train::save_checkpoint(p, *t->model, *t->adam, ck);
                       };
                     },
                     [](const std::string& p) {
                       Trained t = trained(1024, 512, 0);
                       train::load_checkpoint(p, *t.model, *t.adam);
                     }};
  k["curve"] = {[](int v) -> Writer {
                  auto h = history(v);
                  return [h](const std::string& p) { train::write_history_csv(p, h); };
                },
                [](const std::string& p) {
                  const std::string text = slurp(p);
                  if (text.rfind("epoch,", 0) != 0 || text.back() != '\n')
                    throw std::runtime_error("not a whole curve file");
                }};
  k["plot"] = {[](int v) -> Writer {
                 train::History h = history(v);
                 h.resize(50 + 10 * v);
                 return [h](const std::string& p) { train::write_history_plot(p, h); };
               },
               [](const std::string& p) {
                 int w = 0, h = 0;
                 tg::io::read_png_rgb(p, w, h);
               }};
  k["profile"] = {[](int v) -> Writer {
                    auto prof = profile_of(v);
                    return [prof](const std::string& p) { prof->export_chrome_trace(p); };
                  },
                  [](const std::string& p) {
                    const auto trace = nlohmann::json::parse(slurp(p));
                    const std::size_t n = trace.at("traceEvents").size();
                    if (n != profile_of(0)->events().size() && n != profile_of(1)->events().size())
                      throw std::runtime_error("a trace of " + std::to_string(n) + " events");
                  },
                  /*deterministic=*/false};
  k["npz"] = {[](int v) -> Writer {
                tg::manual_seed(200 + v);
                tg::io::NamedTensors t{{"a", tg::randn({512, 1024})}, {"b", tg::arange(1000 + v)}};
                return [t](const std::string& p) { tg::io::save_npz(p, t); };
              },
              [](const std::string& p) { tg::io::load_npz(p); }};
  k["idx"] = {[](int v) -> Writer {
                auto a = idx_array(v);
                return [a](const std::string& p) { tg::io::write_idx(p, a); };
              },
              [](const std::string& p) { tg::io::read_idx(p); }};
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s KIND PATH once|loop|check [REFDIR]\n", argv[0]);
    return 2;
  }
  const std::string kind_name = argv[1], path = argv[2], mode = argv[3];
  const std::string refdir = argc > 4 ? argv[4] : "";
  const auto all = kinds();
  const auto it = all.find(kind_name);
  if (it == all.end()) {
    std::fprintf(stderr, "unknown kind %s\n", kind_name.c_str());
    return 2;
  }
  const Kind& kind = it->second;
  try {
    if (mode == "once") {
      const Writer v0 = kind.prepare(0), v1 = kind.prepare(1);
      v0(path);
      v0(refdir + "/" + kind_name + ".0");
      v1(refdir + "/" + kind_name + ".1");
      return 0;
    }
    auto check = [&] {  // the file at `path` loads and is version 0 or 1
      kind.load(path);
      if (!kind.deterministic) return true;
      const std::string bytes = slurp(path);
      for (int v : {0, 1})
        if (bytes == slurp(refdir + "/" + kind_name + "." + std::to_string(v))) return true;
      std::fprintf(stderr, "%s loads but holds neither version\n", path.c_str());
      return false;
    };
    if (mode == "loop") {  // checks the file the previous writer left, then rewrites it
      // Dies with the test that started it: a test killed by a timeout (or by hand) would
      // otherwise leave this loop writing forever.
      const pid_t parent = getppid();
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) return 1;
      if (!check()) return 1;
      const Writer versions[2] = {kind.prepare(0), kind.prepare(1)};
      std::fputs("ready\n", stdout);
      std::fflush(stdout);
      for (int i = 1;; ++i) {
        versions[i % 2](path);
        std::fputs("w\n", stdout);  // one write done: the test times the loop by these
        std::fflush(stdout);
      }
    }
    if (mode == "check") return check() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: %s\n", kind_name.c_str(), mode.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
