// libtorch's data API: user datasets, map / Normalize / Stack / Lambda, samplers,
// make_data_loader with and without workers, and datasets::MNIST on generated IDX files.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <unistd.h>

#include "data/idx.h"
#include "tapegrad.h"

namespace tg::data {
namespace {

namespace fs = std::filesystem;
using samplers::DistributedRandomSampler;
using samplers::DistributedSequentialSampler;
using samplers::RandomSampler;
using samplers::SequentialSampler;

// Example i: data [2, 3] filled with i (float32), target the scalar i (int64).
struct Counting : datasets::Dataset<Counting> {
  explicit Counting(size_t n) : n(n) {}
  Example<> get(size_t i) override {
    return {full({2, 3}, static_cast<double>(i)), full({}, static_cast<int64_t>(i), kInt64)};
  }
  optional<size_t> size() const override { return n; }
  size_t n;
};

std::vector<size_t> all_indices(samplers::Sampler<>& s, size_t batch) {
  std::vector<size_t> out;
  while (auto b = s.next(batch)) {
    EXPECT_LE(b->size(), batch);
    out.insert(out.end(), b->begin(), b->end());
  }
  return out;
}

std::vector<int64_t> targets_of(const Example<>& batch) { return batch.target.to_vector<int64_t>(); }

TEST(DataSamplers, SequentialGivesIndicesInOrderAndResets) {
  SequentialSampler s(7);
  auto first = s.next(3);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(s.index(), 3u);
  EXPECT_EQ(all_indices(s, 3), (std::vector<size_t>{3, 4, 5, 6}));
  EXPECT_FALSE(s.next(3));
  s.reset(2);
  EXPECT_EQ(all_indices(s, 5), (std::vector<size_t>{0, 1}));
}

TEST(DataSamplers, RandomIsAPermutationFixedByManualSeed) {
  manual_seed(5);
  RandomSampler a(50);
  std::vector<size_t> pa = all_indices(a, 8);
  manual_seed(5);
  RandomSampler b(50);
  EXPECT_EQ(all_indices(b, 8), pa);
  std::vector<size_t> sorted = pa;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(sorted, pa);
  a.reset();  // a new epoch draws a new order
  std::vector<size_t> again = all_indices(a, 8);
  EXPECT_EQ(again.size(), 50u);
  EXPECT_NE(again, pa);
  a.reset(4);
  EXPECT_EQ(all_indices(a, 8).size(), 4u);
  EXPECT_THROW(RandomSampler(-1), Error);
  EXPECT_THROW(RandomSampler(3, kFloat32), Error);
}

TEST(DataSamplers, DistributedRandomSplitsOnePermutationAmongReplicas) {
  for (bool duplicates : {true, false}) {
    std::vector<size_t> seen;
    for (size_t rank = 0; rank < 3; ++rank) {
      DistributedRandomSampler s(10, 3, rank, duplicates);
      std::vector<size_t> mine = all_indices(s, 2);
      EXPECT_EQ(mine.size(), duplicates ? 4u : 3u);
      DistributedRandomSampler same(10, 3, rank, duplicates);  // every replica agrees
      EXPECT_EQ(all_indices(same, 4), mine);
      seen.insert(seen.end(), mine.begin(), mine.end());
    }
    std::set<size_t> distinct(seen.begin(), seen.end());
    EXPECT_EQ(distinct.size(), duplicates ? 10u : 9u);
    EXPECT_LT(*distinct.rbegin(), 10u);
  }
  DistributedRandomSampler s(100, 2, 0);
  std::vector<size_t> epoch0 = all_indices(s, 10);
  s.reset();
  EXPECT_EQ(all_indices(s, 10), epoch0);  // same epoch, same order
  s.set_epoch(1);
  s.reset();
  EXPECT_NE(all_indices(s, 10), epoch0);
  EXPECT_THROW(DistributedRandomSampler(10, 2, 2), Error);
  EXPECT_THROW(DistributedSequentialSampler(10, 0, 0), Error);
}

TEST(DataSamplers, DistributedSequentialGivesEachReplicaItsRange) {
  DistributedSequentialSampler r0(10, 3, 0), r2(10, 3, 2);
  EXPECT_EQ(all_indices(r0, 3), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(all_indices(r2, 3), (std::vector<size_t>{8, 9, 0, 1}));  // padded by wrapping
  r2.reset();
  EXPECT_EQ(all_indices(r2, 10), (std::vector<size_t>{8, 9, 0, 1}));
  DistributedSequentialSampler strict(10, 3, 2, /*allow_duplicates=*/false);
  EXPECT_EQ(all_indices(strict, 10), (std::vector<size_t>{6, 7, 8}));
}

TEST(DataDatasets, MapNormalizeStackLambda) {
  Counting ds(5);
  std::vector<Example<>> raw = ds.get_batch(std::vector<size_t>{4, 1});
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(targets_of(Example<>{raw[1].data, raw[1].target.reshape({1})}), (std::vector<int64_t>{1}));

  auto stacked = Counting(5)
                     .map(transforms::Lambda<Example<>>([](Example<> e) {
                       e.data = e.data + 1.0;
                       return e;
                     }))
                     .map(transforms::Normalize<>(2.0, 4.0))
                     .map(transforms::Stack<>());
  EXPECT_EQ(stacked.size().value(), 5u);
  Example<> b = stacked.get_batch(std::vector<size_t>{3, 0});
  EXPECT_EQ(b.data.shape(), Shape({2, 1, 2, 3}));  // [2, 3] broadcast against mean [1, 1, 1]
  EXPECT_EQ(b.target.shape(), Shape({2}));
  EXPECT_EQ(targets_of(b), (std::vector<int64_t>{3, 0}));
  std::vector<float> v = b.data.to_vector<float>();
  EXPECT_FLOAT_EQ(v[0], (3 + 1 - 2) / 4.0f);
  EXPECT_FLOAT_EQ(v[6], (0 + 1 - 2) / 4.0f);

  // Per-channel values over an image [C, H, W].
  transforms::Normalize<> norm({1.0, 2.0}, {0.5, 0.25});
  Tensor img = ones({2, 2, 2});
  std::vector<float> n = norm(img).to_vector<float>();
  EXPECT_FLOAT_EQ(n[0], 0.0f);
  EXPECT_FLOAT_EQ(n[4], -4.0f);
  EXPECT_THROW(transforms::Normalize<>(std::vector<double>{}, std::vector<double>{}), Error);

  datasets::TensorDataset rows(arange(12).reshape({4, 3}));
  auto rows_stacked = rows.map(transforms::Stack<TensorExample>());
  Tensor r = rows_stacked.get_batch(std::vector<size_t>{2, 3}).data;
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{6, 7, 8, 9, 10, 11}));
  EXPECT_THROW(rows.get(4), Error);
  EXPECT_THROW(transforms::Stack<>().apply_batch({}), Error);
}

TEST(DataLoaderApi, SequentialBatchesDropLastAndEpochs) {
  auto loader = make_data_loader<SequentialSampler>(
      Counting(10).map(transforms::Stack<>()), DataLoaderOptions().batch_size(4));
  EXPECT_EQ(loader->options().batch_size, 4u);
  EXPECT_EQ(loader->options().workers, 0u);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<std::vector<int64_t>> got;
    for (Example<>& batch : *loader) got.push_back(targets_of(batch));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[2], (std::vector<int64_t>{8, 9}));
  }
  auto dropping = make_data_loader<SequentialSampler>(
      Counting(10), DataLoaderOptions().batch_size(4).drop_last(true));
  int batches = 0;
  for (std::vector<Example<>>& batch : *dropping) {
    EXPECT_EQ(batch.size(), 4u);
    ++batches;
  }
  EXPECT_EQ(batches, 2);
  EXPECT_THROW(make_data_loader(Counting(3), DataLoaderOptions().batch_size(0)), Error);
  EXPECT_THROW(make_data_loader(Counting(3), DataLoaderOptions().workers(-1)), Error);
  auto it = loader->end();
  EXPECT_THROW(*it, Error);
}

TEST(DataLoaderApi, DefaultRandomSamplerFollowsManualSeed) {
  auto epoch_order = [](uint64_t seed) {
    manual_seed(seed);
    auto loader = make_data_loader(Counting(20).map(transforms::Stack<>()), 6);
    std::vector<int64_t> order;
    for (auto& batch : *loader)
      for (int64_t t : targets_of(batch)) order.push_back(t);
    return order;
  };
  std::vector<int64_t> a = epoch_order(3);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(epoch_order(3), a);
  EXPECT_NE(epoch_order(4), a);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 20u);
}

// The batches of two epochs of a shuffled, normalised, stacked dataset, as raw bytes.
std::vector<std::vector<float>> two_epochs(int64_t workers, const Tensor& images) {
  struct Images : datasets::Dataset<Images> {
    explicit Images(Tensor x) : x(std::move(x)) {}
    Example<> get(size_t i) override {
      const auto k = static_cast<int64_t>(i);
      return {x[k], full({}, k, kInt64)};
    }
    optional<size_t> size() const override { return static_cast<size_t>(x.size(0)); }
    Tensor x;
  };
  manual_seed(11);
  auto loader = make_data_loader(
      Images(images).map(transforms::Normalize<>(0.3, 0.7)).map(transforms::Stack<>()),
      DataLoaderOptions().batch_size(7).workers(workers));
  std::vector<std::vector<float>> out;
  for (int epoch = 0; epoch < 2; ++epoch)
    for (Example<>& b : *loader) {
      out.push_back(b.data.to_vector<float>());
      for (int64_t t : targets_of(b)) out.back().push_back(static_cast<float>(t));
    }
  return out;
}

TEST(DataLoaderApi, WorkersGiveTheSameBatchesInTheSameOrder) {
  manual_seed(1);
  Tensor images = rand({101, 1, 4, 4});
  const auto reference = two_epochs(0, images);
  ASSERT_EQ(reference.size(), 30u);  // 15 batches per epoch
  for (int64_t workers : {1, 2, 5}) {
    const auto got = two_epochs(workers, images);
    ASSERT_EQ(got.size(), reference.size()) << workers << " workers";
    for (size_t b = 0; b < got.size(); ++b)
      ASSERT_EQ(0, std::memcmp(got[b].data(), reference[b].data(), got[b].size() * sizeof(float)))
          << "batch " << b << " with " << workers << " workers";
  }
}

// Each get() waits (up to a few seconds) for another get() to be running at the same time.
struct Rendezvous : datasets::Dataset<Rendezvous> {
  explicit Rendezvous(std::shared_ptr<std::atomic<int>> active, std::shared_ptr<std::atomic<int>> met)
      : active(std::move(active)), met(std::move(met)) {}
  Example<> get(size_t i) override {
    ++*active;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (*active < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (*active >= 2) ++*met;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --*active;
    return {full({1}, static_cast<double>(i)), full({}, int64_t{0}, kInt64)};
  }
  optional<size_t> size() const override { return 8; }
  std::shared_ptr<std::atomic<int>> active, met;
};

TEST(DataLoaderApi, WorkersLoadInParallel) {
  if (get_num_threads() < 2) GTEST_SKIP() << "needs two threads";
  auto active = std::make_shared<std::atomic<int>>(0), met = std::make_shared<std::atomic<int>>(0);
  auto loader = make_data_loader<SequentialSampler>(Rendezvous(active, met),
                                                    DataLoaderOptions().batch_size(1).workers(2));
  int n = 0;
  for (auto& batch : *loader) n += static_cast<int>(batch.size());
  EXPECT_EQ(n, 8);
  EXPECT_GT(met->load(), 0) << "no two batches were ever loaded at the same time";
}

struct Failing : datasets::Dataset<Failing> {
  Example<> get(size_t i) override {
    TG_CHECK(i != 5, "Failing: example ", i, " is broken");
    return {zeros({1}), zeros({}, kInt64)};
  }
  optional<size_t> size() const override { return 9; }
};

TEST(DataLoaderApi, WorkerErrorsReachTheLoopAndLoadersRestart) {
  for (int64_t workers : {0, 3}) {
    auto loader = make_data_loader<SequentialSampler>(
        Failing(), DataLoaderOptions().batch_size(2).workers(workers));
    int good = 0;
    try {
      for (auto& batch : *loader) good += static_cast<int>(batch.size());
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("example 5 is broken"), std::string::npos);
    }
    EXPECT_EQ(good, 4) << workers;
    // A loop left early, then a new epoch from the start.
    for (auto& batch : *loader) {
      EXPECT_EQ(batch.size(), 2u);
      break;
    }
    int before_error = 0;
    try {
      for (auto& batch : *loader) before_error += static_cast<int>(batch.size());
    } catch (const Error&) {
    }
    EXPECT_EQ(before_error, 4) << workers;
  }
}

// ---------------------------------------------------------------- MNIST

struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("tg_mnist_" + std::to_string(::getpid()) + "_" +
                                                 std::to_string(counter++))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  static inline int counter = 0;
  fs::path path;
};

// n images of h x w whose pixel (i, y, x) is (i + y + x) % 256, label i % 10.
void write_mnist(const TempDir& dir, const std::string& prefix, int64_t n, int64_t h, int64_t w,
                 const std::string& suffix) {
  std::vector<uint8_t> pixels(static_cast<size_t>(n * h * w)), labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    labels[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        pixels[static_cast<size_t>((i * h + y) * w + x)] = static_cast<uint8_t>((i + y + x) % 256);
  }
  io::write_idx(dir.file(prefix + "-images-idx3-ubyte" + suffix),
                io::RawArray::from_values<uint8_t>({n, h, w}, pixels));
  io::write_idx(dir.file(prefix + "-labels-idx1-ubyte" + suffix),
                io::RawArray::from_values<uint8_t>({n}, labels));
}

TEST(DataMNIST, ReadsPlainAndGzipIdxFiles) {
  TempDir dir;
  write_mnist(dir, "train", 12, 28, 28, "");
  write_mnist(dir, "t10k", 5, 28, 28, ".gz");
  datasets::MNIST train(dir.path.string());
  EXPECT_TRUE(train.is_train());
  EXPECT_EQ(train.size().value(), 12u);
  EXPECT_EQ(train.images().shape(), Shape({12, 1, 28, 28}));
  EXPECT_EQ(train.images().dtype(), kFloat32);
  EXPECT_EQ(train.targets().dtype(), kInt64);
  Example<> e = train.get(11);
  EXPECT_EQ(e.data.shape(), Shape({1, 28, 28}));
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.item<int64_t>(), 1);
  std::vector<float> px = e.data.to_vector<float>();
  EXPECT_FLOAT_EQ(px[0], 11 / 255.0f);
  EXPECT_FLOAT_EQ(px[28 * 3 + 2], 16 / 255.0f);
  EXPECT_THROW(train.get(12), Error);

  datasets::MNIST test(dir.path.string(), datasets::MNIST::Mode::kTest);
  EXPECT_FALSE(test.is_train());
  EXPECT_EQ(test.size().value(), 5u);
  auto loader = make_data_loader<SequentialSampler>(
      std::move(test).map(transforms::Normalize<>(0.5, 0.5)).map(transforms::Stack<>()), 4);
  std::vector<int64_t> labels;
  for (Example<>& b : *loader) {
    EXPECT_EQ(b.data.size(1), 1);
    for (int64_t t : targets_of(b)) labels.push_back(t);
  }
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

void expect_mnist_error(const std::string& root, const std::string& needle) {
  try {
    datasets::MNIST m(root);
    FAIL() << "expected an error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MNIST"), std::string::npos) << e.what();
  }
}

TEST(DataMNIST, BadFilesThrowErrorsNamingTheFile) {
  expect_mnist_error("/nonexistent/mnist", "train-images-idx3-ubyte");
  {  // truncated images
    TempDir dir;
    write_mnist(dir, "train", 4, 28, 28, "");
    const std::string images = dir.file("train-images-idx3-ubyte");
    fs::resize_file(images, fs::file_size(images) - 100);
    expect_mnist_error(dir.path.string(), "truncated");
  }
  {  // a header claiming 2^32 - 1 images of 65535 x 65535: refused without allocating them
    TempDir dir;
    write_mnist(dir, "train", 2, 28, 28, "");
    std::ofstream f(dir.file("train-images-idx3-ubyte"), std::ios::binary | std::ios::trunc);
    const unsigned char header[] = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 1, 2, 3};
    f.write(reinterpret_cast<const char*>(header), sizeof(header));
    f.close();
    expect_mnist_error(dir.path.string(), "train-images-idx3-ubyte");
  }
  {  // labels of another count
    TempDir dir;
    write_mnist(dir, "train", 4, 28, 28, "");
    io::write_idx(dir.file("train-labels-idx1-ubyte"),
                  io::RawArray::from_values<uint8_t>({3}, {1, 2, 3}));
    expect_mnist_error(dir.path.string(), "do not match");
  }
  {  // images of the wrong element type
    TempDir dir;
    write_mnist(dir, "train", 2, 28, 28, "");
    io::write_idx(dir.file("train-images-idx3-ubyte"),
                  io::RawArray::from_values<float>({2, 1, 1}, {0.5f, 0.25f}));
    expect_mnist_error(dir.path.string(), "uint8");
  }
  {  // not an IDX file at all
    TempDir dir;
    write_mnist(dir, "train", 2, 28, 28, "");
    std::ofstream(dir.file("train-labels-idx1-ubyte"), std::ios::trunc) << "hello";
    expect_mnist_error(dir.path.string(), "magic");
  }
}

}  // namespace
}  // namespace tg::data
