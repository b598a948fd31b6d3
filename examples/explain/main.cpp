// explain: the CNN lecture's backprop slides, computed by the engine.
//
// 1. A 3x3 filter slides with stride 2 over a 5x5 input: dL/dw_ij is the slide's sum of
//    a_kl * dL/dz_mn terms. Which a_kl meets which w_ij in which z_mn is asked of the engine
//    (a mixed second derivative), a_kl is read from the tensor the convolution saved on the
//    tape, dL/dz_mn from backward; the sum is compared with the engine's w.grad().
// 2. Average pooling f=3, s=2: dL/da_ij = sum of (1/9) dL/dz_mn over the windows holding a_ij,
//    the 1/9 weights being the engine's dz_mn/da_ij.
// 3. Max pooling (the slide's 6x6 example, f=2, s=2): the gradient goes only to the argmax
//    that the op saved on the tape.
// 4. The tape of a small CNN, printed and written as Graphviz (SVG/PNG when `dot` is installed).
// Slide notation is 1-based (a11 is the top-left element). Exit code 1 if a formula disagrees.
#include <tapegrad.h>

#include "data/atomic_file.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

using tg::Tensor;
namespace ag = tg::autograd;

int mismatches = 0;

// Element (i, j) of a [1, 1, h, w] tensor, 0-based.
double at(const Tensor& t, int64_t i, int64_t j) { return t[0][0][i][j].item(); }
std::string idx(const char* name, int64_t i, int64_t j) {
  return name + std::to_string(i + 1) + std::to_string(j + 1);
}
// A [1, 1, h, w] tensor with a single 1 at (i, j): the grad_output that picks out z_ij.
Tensor one_hot(int64_t h, int64_t w, int64_t i, int64_t j) {
  Tensor t = tg::zeros({1, 1, h, w}, tg::kFloat64);
  t[0][0][i][j].fill_(1.0);
  return t;
}
void check(const std::string& what, double formula, double engine) {
  const bool ok = std::abs(formula - engine) <= 1e-9 * (1 + std::abs(engine));
  std::printf("      = %-10.4g engine: %-10.4g %s\n", formula, engine, ok ? "ok" : "MISMATCH");
  if (!ok) ++mismatches, std::printf("  %s differs\n", what.c_str());
}
// The tensor a recorded op saved for its vjp (saved #i of the node that produced t).
Tensor saved_by(const Tensor& t, int i) {
  auto* node = dynamic_cast<ag::FunctionNode*>(t.grad_fn().get());
  return node->saved.at(i).unpack(t.grad_fn(), node->name(), i);
}
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}
Tensor grid(std::vector<double> v, int64_t n) { return tg::tensor(v, {1, 1, n, n}); }

void convolution() {
  std::printf("== 1. Convolution: 5x5 input a, 3x3 filter w, stride 2 -> 2x2 output z ==\n");
  Tensor a = grid({3, 0, 1, 2, 7, 1, 5, 8, 9, 3, 2, 7, 2, 5, 1, 0, 1, 3, 1, 7, 4, 2, 1, 6, 2}, 5);
  Tensor w = grid({1, 0, -1, 1, 0, -1, 1, 0, -1}, 3).requires_grad_();  // the slides' edge filter
  Tensor z = tg::conv2d(a, w, {}, /*stride=*/2);
  z.retain_grad();
  Tensor y = grid({1, -2, 0, 3}, 2);                   // a target, so that L depends on z
  Tensor L = ((z - y).pow(2)).sum() * 0.5;             // z => ... => L
  ag::print_graph(std::cout, L, {{"a", a}, {"w", w}, {"z", z}, {"L", L}});

  // Which a_kl does w_ij multiply in z_mn? d2 z_mn / (dw_ij da_kl) is 1 for that a_kl only.
  Tensor a_probe = a.clone().requires_grad_(), w_probe = w.detach().requires_grad_();
  Tensor z_probe = tg::conv2d(a_probe, w_probe, {}, 2);
  int64_t k_of[2][2][3][3], l_of[2][2][3][3];
  std::printf("\nForward pass, each term found by the engine:\n");
  for (int64_t m = 0; m < 2; ++m)
    for (int64_t n = 0; n < 2; ++n) {
      Tensor dz_dw = ag::grad({z_probe}, {w_probe}, {one_hot(2, 2, m, n)}, true, true)[0];
      std::printf("  %s =", idx("z", m, n).c_str());
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 3; ++j) {
          Tensor d2 = ag::grad({dz_dw[0][0][i][j]}, {a_probe}, {}, true)[0];
          const int64_t flat = d2.flatten().argmax().item<int64_t>();
          k_of[m][n][i][j] = flat / 5, l_of[m][n][i][j] = flat % 5;
          std::printf("%s %s*%s", i + j ? " +" : "", idx("w", i, j).c_str(),
                      idx("a", flat / 5, flat % 5).c_str());
        }
      std::printf("\n");
    }

  Tensor a_saved = saved_by(z, 0);  // the input the convolution kept on the tape
  L.backward();
  std::printf("\nBackward pass: dL/dz = z - y =");
  for (int64_t m = 0; m < 2; ++m)
    for (int64_t n = 0; n < 2; ++n) std::printf(" %g", at(z.grad(), m, n));
  std::printf("\n");
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      std::string terms, values;
      double sum = 0;
      for (int64_t m = 0; m < 2; ++m)
        for (int64_t n = 0; n < 2; ++n) {
          const int64_t k = k_of[m][n][i][j], l = l_of[m][n][i][j];
          const double av = at(a_saved, k, l), gz = at(z.grad(), m, n);
          terms += (terms.empty() ? "" : " + ") + idx("a", k, l) + "*dL/d" + idx("z", m, n);
          values += (values.empty() ? "" : " + ") + num(av) + "*" + num(gz);
          sum += av * gz;
        }
      std::printf("  dL/d%s = %s\n      = %s\n", idx("w", i, j).c_str(), terms.c_str(),
                  values.c_str());
      check("dL/d" + idx("w", i, j), sum, at(w.grad(), i, j));
    }
}

// Writes `weight` as a fraction 1/q when it is one (the pooling weights are).
std::string fraction(double weight) {
  const double q = std::round(1 / weight);
  if (std::abs(weight * q - 1) < 1e-12) return "1/" + std::to_string(int(q));
  return std::to_string(weight);
}

void average_pooling() {
  std::printf("\n== 2. Average pooling f=3, s=2 on the 5x5 input: dL/da_ij ==\n");
  Tensor a = grid({3, 0, 1, 2, 7, 1, 5, 8, 9, 3, 2, 7, 2, 5, 1, 0, 1, 3, 1, 7, 4, 2, 1, 6, 2}, 5)
                 .requires_grad_();
  Tensor z = tg::avg_pool2d(a, 3, 2);
  Tensor dz = grid({0.9, -1.8, 2.7, 0.45}, 2);  // dL/dz from the layers above
  std::printf("dL/dz = %g %g %g %g; the weights 1/9 are the engine's dz_mn/da_ij\n", at(dz, 0, 0),
              at(dz, 0, 1), at(dz, 1, 0), at(dz, 1, 1));
  Tensor jac[2][2];                              // jac[m][n] = dz_mn/da, from the engine
  for (int64_t m = 0; m < 2; ++m)
    for (int64_t n = 0; n < 2; ++n) jac[m][n] = ag::grad({z}, {a}, {one_hot(2, 2, m, n)}, true)[0];
  z.backward(dz);
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      std::string terms, values;
      double sum = 0;
      for (int64_t m = 0; m < 2; ++m)
        for (int64_t n = 0; n < 2; ++n) {
          const double weight = at(jac[m][n], i, j);
          if (weight == 0) continue;
          terms += (terms.empty() ? "" : " + ") + fraction(weight) + "*dL/d" + idx("z", m, n);
          values += (values.empty() ? "" : " + ") + fraction(weight) + "*" + num(at(dz, m, n));
          sum += weight * at(dz, m, n);
        }
      std::printf("  dL/d%s = %s\n      = %s\n", idx("a", i, j).c_str(), terms.c_str(),
                  values.c_str());
      check("dL/d" + idx("a", i, j), sum, at(a.grad(), i, j));
    }
}

void max_pooling() {
  std::printf("\n== 3. Max pooling f=2, s=2 on the slide's 6x6 input: routing ==\n");
  Tensor a = grid({3, 4, 5, 6, 5, 4, 5, 4, 3, 3, 2, 1, 1, 3, 2, 4, 6, 2,
                   3, 7, 8, 5, 1, 2, 0, 3, 7, 8, 1, 3, 2, 7, 8, 3, 4, 0}, 6).requires_grad_();
  Tensor z = tg::max_pool2d(a, 2, 2);
  const double slide[3][3] = {{5, 6, 5}, {7, 8, 3}, {7, 8, 4}};
  Tensor argmax = saved_by(z, 0);  // flat input positions the op saved for its vjp
  Tensor dz = grid({1, 2, 3, 4, 5, 6, 7, 8, 9}, 3);
  std::printf("dL/dz = 1 2 ... 9 (row by row), so each routed value shows where it came from\n");
  z.backward(dz);
  for (int64_t m = 0; m < 3; ++m)
    for (int64_t n = 0; n < 3; ++n) {
      const int64_t flat = argmax.flatten()[m * 3 + n].item<int64_t>();
      const int64_t k = flat / 6, l = flat % 6;
      std::printf("  %s = %g, the maximum of its window, is %s (flat index %lld saved by the op)\n",
                  idx("z", m, n).c_str(), at(z, m, n), idx("a", k, l).c_str(), (long long)flat);
      if (at(z, m, n) != slide[m][n])
        std::printf("     the slide shows %g here; its window holds %g, so PyTorch (and "
                    "tapegrad) give %g: a slip on the slide\n", slide[m][n], at(z, m, n),
                    at(z, m, n));
      for (int64_t i = 0; i < 2; ++i)  // ties: PyTorch keeps the first maximum (row-major)
        for (int64_t j = 0; j < 2; ++j) {
          const int64_t r = 2 * m + i, c = 2 * n + j;
          if (r * 6 + c != flat && at(a, r, c) == at(z, m, n))
            std::printf("     tie: %s is also %g; the gradient goes to the first maximum in "
                        "row-major order (%s), as in PyTorch\n", idx("a", r, c).c_str(),
                        at(a, r, c), idx("a", k, l).c_str());
        }
      std::printf("  dL/d%s = dL/d%s\n", idx("a", k, l).c_str(), idx("z", m, n).c_str());
      check("routing of " + idx("z", m, n), at(dz, m, n), at(a.grad(), k, l));
    }
  const double routed = tg::ne(a.grad(), 0.0).to(tg::kFloat64).sum().item();
  std::printf("  dL/da is zero everywhere else: %g of 36 entries are non-zero\n", routed);
  if (routed != 9) ++mismatches;
  std::cout << "  dL/da =\n" << a.grad()[0][0] << "\n";
}

// Graphviz's rendering of a .dot file in `format`, read from its standard output (so the
// picture is written like every other file, atomically); false if dot failed.
bool render_with_dot(const char* format, const std::string& dot_path, std::string& image) {
  std::string quoted = "'";
  for (char c : dot_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  const std::string cmd = std::string("dot -T") + format + " " + quoted;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return false;
  char buffer[65536];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) image.append(buffer, got);
  const bool read_ok = !std::ferror(pipe);
  return ::pclose(pipe) == 0 && read_ok && !image.empty();
}

void small_cnn_graph(const std::string& prefix) {
  std::printf("\n== 4. The tape of a small CNN ==\n");
  namespace nn = tg::nn;
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(1, 4, 3)), nn::ReLU(),
                     nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(),
                     nn::Linear(4 * 3 * 3, 10));
  Tensor x = tg::randn({2, 1, 8, 8});
  Tensor loss = tg::cross_entropy(net->forward(x), tg::tensor(std::vector<int64_t>{3, 7}, {2}));
  ag::TensorNames names{{"images", x}, {"loss", loss}};
  for (const auto& p : net->named_parameters()) names.push_back({p.key(), p.value()});
  ag::print_graph(std::cout, loss, names);
  // Every file goes through a temporary file, fsync and rename (data/atomic_file.h).
  const std::string dot_path = prefix + "_cnn.dot";
  tg::io::write_file_atomic(dot_path, ag::to_dot(loss, names), "explain");
  std::printf("wrote %s\n", dot_path.c_str());
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    std::printf("(install Graphviz, Debian package graphviz, to render it as SVG/PNG)\n");
    return;
  }
  for (const char* fmt : {"svg", "png"}) {
    const std::string out = prefix + "_cnn." + fmt;
    std::string image;
    if (!render_with_dot(fmt, dot_path, image)) {
      ++mismatches;
      std::printf("dot failed on %s\n", out.c_str());
      continue;
    }
    tg::io::write_file_atomic(out, image, "explain");
    std::printf("wrote %s\n", out.c_str());
  }
}

int main(int argc, char** argv) {
  const std::string prefix = argc > 1 ? argv[1] : "explain";  // output files: PREFIX_cnn.*
  tg::manual_seed(0);
  convolution();
  average_pooling();
  max_pooling();
  small_cnn_graph(prefix);
  std::printf("\n%s\n", mismatches ? "SOME FORMULAS DISAGREE WITH THE ENGINE"
                                   : "every slide formula matches the engine's gradients");
  return mismatches ? 1 : 0;
}
