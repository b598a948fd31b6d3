// User datasets in libtorch's style (CRTP, as `torch::data::datasets`):
//
//   struct Squares : tg::data::datasets::Dataset<Squares> {
//     tg::data::Example<> get(size_t i) override { ... }
//     tg::optional<size_t> size() const override { return 100; }
//   };
//   auto loader = tg::data::make_data_loader(
//       Squares().map(tg::data::transforms::Stack<>()), /*batch_size=*/8);
//
// BatchDataset<Self, Batch, BatchRequest> answers a whole batch request (by default a list
// of indices); Dataset<Self, Example> answers one index, and its get_batch calls get for each
// index. `map(transform)` wraps a dataset in a MapDataset whose batches are the transform's
// `apply_batch` of the source's batches.
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/array_ref.h"
#include "data/example.h"

namespace tg::data::datasets {

template <typename SourceDataset, typename AppliedTransform>
class MapDataset;
template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform);

namespace detail {
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<optional<T>> : std::true_type {};
}  // namespace detail

template <typename Self, typename Batch = std::vector<Example<>>,
          typename BatchRequest = ArrayRef<size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  // A batch type of optional<...> marks a dataset that ends by itself (a stream); tapegrad's
  // loader takes only datasets with a size (see README).
  constexpr static bool is_stateful = detail::is_optional<BatchType>::value;

  virtual ~BatchDataset() = default;
  virtual Batch get_batch(BatchRequest request) = 0;
  virtual optional<size_t> size() const = 0;

  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return datasets::map(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return datasets::map(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;

  virtual ExampleType get(size_t index) = 0;

  std::vector<ExampleType> get_batch(ArrayRef<size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (size_t i : indices) batch.push_back(get(i));
    return batch;
  }
};

template <typename Self, typename Batch = std::vector<Example<>>>
using StreamDataset = BatchDataset<Self, Batch, size_t>;

// The batches of `SourceDataset` passed through `AppliedTransform::apply_batch`.
template <typename SourceDataset, typename AppliedTransform>
class MapDataset
    : public BatchDataset<MapDataset<SourceDataset, AppliedTransform>,
                          typename AppliedTransform::OutputBatchType,
                          typename SourceDataset::BatchRequestType> {
 public:
  using DatasetType = SourceDataset;
  using TransformType = AppliedTransform;
  using BatchRequestType = typename SourceDataset::BatchRequestType;
  using OutputBatchType = typename AppliedTransform::OutputBatchType;

  MapDataset(DatasetType dataset, TransformType transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  OutputBatchType get_batch(BatchRequestType request) override {
    return transform_.apply_batch(dataset_.get_batch(std::move(request)));
  }
  optional<size_t> size() const override { return dataset_.size(); }

  const SourceDataset& dataset() const noexcept { return dataset_; }
  const AppliedTransform& transform() const noexcept { return transform_; }

 private:
  SourceDataset dataset_;
  AppliedTransform transform_;
};

template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform) {
  static_assert(!DatasetType::is_stateful,
                "tapegrad maps datasets whose batches are not optional (stateless datasets)");
  static_assert(std::is_same<typename DatasetType::BatchType,
                             typename TransformType::InputBatchType>::value,
                "map: the dataset's batch type does not match the transform's input type");
  return {std::move(dataset), std::move(transform)};
}

}  // namespace tg::data::datasets
