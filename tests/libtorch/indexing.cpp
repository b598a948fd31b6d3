// Tensor indexing as libtorch code writes it (torch::indexing::Slice / None / Ellipsis,
// index / index_put_, boolean masks, index tensors, accessors), on small tasks: the examples
// of libtorch's indexing guide, padded sequence batches, an embedding lookup trained through
// advanced indexing, a confusion matrix, and image crops and channel swaps.
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>
#include <limits>
#include <vector>

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond "\n"; \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

using namespace torch::indexing;

static bool same(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() && a.equal(b);
}

// The translation table of libtorch's tensor indexing guide, checked against values.
void guide_examples() {
  auto t = torch::arange(24).view({2, 3, 4});
  EXPECT(t.index({None}).sizes() == torch::IntArrayRef({1, 2, 3, 4}));
  EXPECT(t.index({Ellipsis, None}).sizes() == torch::IntArrayRef({2, 3, 4, 1}));
  EXPECT(t.index({"...", None}).sizes() == torch::IntArrayRef({2, 3, 4, 1}));
  EXPECT(same(t.index({1, 2}), torch::tensor({20, 21, 22, 23})));
  EXPECT(t.index({1, 2, 3}).item<int64_t>() == 23);
  EXPECT(same(t.index({Slice(), 1, Slice(None, None, 2)}), torch::tensor({{4, 6}, {16, 18}})));
  EXPECT(same(t.index({"...", -1}), torch::tensor({{3, 7, 11}, {15, 19, 23}})));
  EXPECT(t.index({Slice(1, None)}).sizes() == torch::IntArrayRef({1, 3, 4}));
  EXPECT(t.index({Slice(None, 2)}).sizes() == torch::IntArrayRef({2, 3, 4}));
  EXPECT(same(t.index({0, Slice(1, 3), Slice(-2, None)}), torch::tensor({{6, 7}, {10, 11}})));
  EXPECT(t.index({true}).sizes() == torch::IntArrayRef({1, 2, 3, 4}));
  EXPECT(t.index({false}).sizes() == torch::IntArrayRef({0, 2, 3, 4}));

  // Index tensors (advanced indexing), alone and mixed with slices.
  auto m = torch::arange(12).view({3, 4});
  EXPECT(same(m.index({torch::tensor({2, 0})}), torch::tensor({{8, 9, 10, 11}, {0, 1, 2, 3}})));
  EXPECT(same(m.index({torch::tensor({0, 2}), torch::tensor({1, 3})}), torch::tensor({1, 11})));
  EXPECT(same(m.index({Slice(), torch::tensor({3, 0})}),
              torch::tensor({{3, 0}, {7, 4}, {11, 8}})));
  EXPECT(same(m.index({m > 8}), torch::tensor({9, 10, 11})));
  EXPECT(same(m.index({torch::tensor({true, false, true})}),
              torch::tensor({{0, 1, 2, 3}, {8, 9, 10, 11}})));
  // Non-adjacent index tensors put the broadcast dims first, as PyTorch does.
  auto u = torch::arange(24).view({2, 3, 4});
  auto picked = u.index({torch::tensor({0, 1}), Slice(), torch::tensor({3, 0})});
  EXPECT(same(picked, torch::tensor({{3, 7, 11}, {12, 16, 20}})));

  // index_put_ with ints, slices, masks and index tensors.
  auto z = torch::zeros({3, 4});
  z.index_put_({1, 2}, 1);
  z.index_put_({Slice(), 0}, torch::tensor({7.0, 8.0, 9.0}));
  z.index_put_({"...", -1}, 5);
  EXPECT(same(z, torch::tensor({{7.0, 0.0, 0.0, 5.0}, {8.0, 0.0, 1.0, 5.0}, {9.0, 0.0, 0.0, 5.0}})));
  z.index_put_({z > 6}, -1);
  EXPECT(same(z.index({Slice(), 0}), torch::tensor({-1.0, -1.0, -1.0})));
  z.index_put_({torch::tensor({0, 2}), torch::tensor({1, 1})}, torch::tensor({3.0, 4.0}));
  EXPECT(z.index({0, 1}).item<float>() == 3.0f && z.index({2, 1}).item<float>() == 4.0f);
  // Slicing gives views: writing into one changes the tensor.
  auto row = z.index({1});
  row.fill_(2);
  EXPECT(z.index({1}).sum().item<float>() == 8.0f);

  // Out-of-range indices raise.
  bool threw = false;
  try {
    m.index({3});
  } catch (const std::exception&) {
    threw = true;
  }
  EXPECT(threw);
}

// A batch of padded sequences: masks from lengths, masked means, the last valid step.
void padded_sequences() {
  const int64_t batch = 3, steps = 5, features = 2;
  auto lengths = torch::tensor({5, 2, 3});
  auto x = torch::arange(batch * steps * features, torch::kFloat).view({batch, steps, features});
  auto mask = torch::arange(steps).unsqueeze(0).lt(lengths.unsqueeze(1));  // [B, T]
  EXPECT(mask.sum().item<int64_t>() == 10);
  auto masked = x.masked_fill(mask.logical_not().unsqueeze(-1), 0.0);
  auto mean = masked.sum(1) / lengths.unsqueeze(1).to(torch::kFloat);
  // Sequence 1 has steps 0 and 1: features (10, 11) and (12, 13).
  EXPECT(torch::allclose(mean.index({1}), torch::tensor({11.0, 12.0})));
  auto last = x.index({torch::arange(batch), lengths - 1});  // [B, F]
  EXPECT(same(last, torch::tensor({{8.0, 9.0}, {12.0, 13.0}, {24.0, 25.0}})));
  // Padding positions set to -inf before a softmax over time.
  auto scores = x.index({Ellipsis, 0}).clone();
  scores.index_put_({mask.logical_not()}, -std::numeric_limits<float>::infinity());
  auto attention = torch::softmax(scores, 1);
  EXPECT(attention.index({1, Slice(2, None)}).sum().item<float>() == 0.0f);
  EXPECT(torch::allclose(attention.sum(1), torch::ones({batch})));
}

// An embedding table trained through index(): gradients accumulate on repeated ids.
void embedding_lookup() {
  torch::manual_seed(0);
  auto table = torch::randn({6, 3}, torch::requires_grad());
  auto ids = torch::tensor({{1, 4, 1}, {0, 1, 5}});
  auto vectors = table.index({ids});  // [2, 3, 3]
  EXPECT(vectors.sizes() == torch::IntArrayRef({2, 3, 3}));
  EXPECT(torch::allclose(vectors.index({1, 2}), table.index({5})));
  vectors.sum().backward();
  auto counts = torch::tensor({1.0, 3.0, 0.0, 0.0, 1.0, 1.0});
  EXPECT(torch::allclose(table.grad(), counts.unsqueeze(1).expand({6, 3})));

  // A few SGD steps pull two rows together.
  torch::optim::SGD optimizer({table}, torch::optim::SGDOptions(0.1));
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 50; ++step) {
    optimizer.zero_grad();
    auto pair = table.index({torch::tensor({2, 3})});
    auto loss = (pair.index({0}) - pair.index({1})).pow(2).sum();
    loss.backward();
    optimizer.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT(last < 1e-3 * first);
  // Rows that took no part kept their gradient-free values.
  EXPECT(table.grad().index({0}).abs().sum().item<double>() == 0.0);
}

// A confusion matrix filled through an accessor, read back with indexing.
void confusion_matrix() {
  auto predictions = torch::tensor({0, 2, 1, 1, 2, 0, 2});
  auto targets = torch::tensor({0, 1, 1, 1, 2, 2, 2});
  auto matrix = torch::zeros({3, 3}, torch::kLong);
  auto m = matrix.accessor<int64_t, 2>();
  auto p = predictions.accessor<int64_t, 1>();
  auto t = targets.accessor<int64_t, 1>();
  for (int64_t i = 0; i < predictions.size(0); ++i) m[t[i]][p[i]] += 1;
  EXPECT(same(matrix, torch::tensor({{1, 0, 0}, {0, 2, 1}, {1, 0, 2}})));
  auto correct = matrix.diagonal().sum().item<int64_t>();
  EXPECT(correct == 5);
  auto per_class = matrix.diagonal().to(torch::kDouble) / matrix.sum(1).to(torch::kDouble);
  EXPECT(torch::allclose(per_class, torch::tensor({1.0, 2.0 / 3, 2.0 / 3}, torch::kDouble)));
  // The same counts with index_put_ accumulating into a flat index.
  auto flat = torch::zeros({9}, torch::kLong);
  flat.index_put_({targets * 3 + predictions}, torch::ones({7}, torch::kLong), true);
  EXPECT(same(flat.view({3, 3}), matrix));
}

// Image tensors: crops, flips and channel order through indexing, with gradients.
void images() {
  auto image = torch::arange(2 * 3 * 4 * 4, torch::kFloat).view({2, 3, 4, 4}).requires_grad_();
  auto crop = image.index({Slice(), Slice(), Slice(1, 3), Slice(1, 3)});
  EXPECT(crop.sizes() == torch::IntArrayRef({2, 3, 2, 2}));
  auto bgr = image.index({Slice(), torch::tensor({2, 1, 0})});
  EXPECT(same(bgr.index({0, 0}).detach(), image.index({0, 2}).detach()));
  auto flipped = image.index({"...", torch::arange(3, -1, -1)});
  EXPECT(flipped.index({0, 0, 0, 0}).item<float>() == 3.0f);
  (crop.sum() + 2 * bgr.index({Slice(), 0}).sum() + flipped.sum()).backward();
  auto g = image.grad();
  // Interior pixels: 1 (crop) + 1 (flip), plus 2 for channel 2 (first channel of bgr).
  EXPECT(g.index({0, 2, 1, 1}).item<float>() == 4.0f);
  EXPECT(g.index({1, 0, 0, 0}).item<float>() == 1.0f);
  EXPECT(g.index({1, 1, 2, 2}).item<float>() == 2.0f);
}

int main() {
  guide_examples();
  padded_sequences();
  embedding_lookup();
  confusion_matrix();
  images();
  std::cout << "indexing: OK\n";
  return 0;
}
