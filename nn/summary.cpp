// summary(): per-layer output shapes and parameter counts, from one forward on zeros.
#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "autograd/grad_mode.h"
#include "nn/module.h"
#include "nn/modules/container.h"

namespace tg::nn {
namespace {

std::string shape_text(const LayerSummary& layer) {
  if (!layer.called) return "-";
  std::ostringstream os;
  os << layer.output_shape;
  return os.str();
}

// The type column: the class name without "Impl" (tg::nn::LinearImpl -> tg::nn::Linear).
std::string type_name(const Module& m) {
  std::string n = m.name();
  const std::string impl = "Impl";
  if (n.size() > impl.size() && n.compare(n.size() - impl.size(), impl.size(), impl) == 0)
    n.erase(n.size() - impl.size());
  return n;
}

}  // namespace

namespace detail {

ModelSummary summarize(Module& root, IntArrayRef input_shape, DType dtype,
                       const std::function<Tensor(const Tensor&)>& forward) {
  ModelSummary result;
  result.input_shape = Shape(input_shape);

  // Leaf modules, and containers that hold parameters of their own, are the rows.
  std::vector<std::pair<std::string, Module*>> rows;
  std::vector<std::pair<std::string, Module*>> all = {{"", &root}};
  std::set<const Module*> seen = {&root};
  root.apply([&](const std::string& name, Module& m) {
    if (seen.insert(&m).second) all.emplace_back(name, &m);  // a shared layer: first name
  });
  for (auto& [name, m] : all)
    if (m->children().empty() || !m->named_parameters(false).is_empty()) rows.emplace_back(name, m);

  result.layers.resize(rows.size());
  std::vector<RemovableHandle> handles;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    LayerSummary& layer = result.layers[i];
    Module& m = *rows[i].second;
    layer.name = rows[i].first.empty() ? "(root)" : rows[i].first;
    layer.type = type_name(m);
    for (const Tensor& p : m.parameters(false)) {
      layer.num_params += p.numel();
      if (p.requires_grad()) layer.trainable_params += p.numel();
    }
    handles.push_back(m.register_forward_hook(
        [&layer](Module&, const Tensor&, const Tensor& out) {
          layer.output_shape = out.shape();
          layer.called = true;
          return Tensor();
        }));
  }
  for (const Tensor& p : root.parameters()) {
    result.total_params += p.numel();
    if (p.requires_grad()) result.trainable_params += p.numel();
  }

  const bool was_training = root.is_training();
  root.eval();
  try {
    NoGradGuard no_grad;
    Tensor y = forward(zeros(input_shape, dtype));
    result.output_shape = y.shape();
  } catch (...) {
    for (auto& h : handles) h.remove();
    root.train(was_training);
    throw;
  }
  for (auto& h : handles) h.remove();
  root.train(was_training);
  return result;
}

}  // namespace detail

ModelSummary summary(AnyModule& module, IntArrayRef input_shape, DType dtype) {
  TG_CHECK(!module.is_empty(), "summary: the AnyModule is empty");
  return detail::summarize(*module.ptr(), input_shape, dtype,
                           [&module](const Tensor& x) { return module.forward(x); });
}

std::string ModelSummary::to_string() const {
  std::size_t name_w = 12, type_w = 12, shape_w = 14;
  for (const auto& l : layers) {
    name_w = std::max(name_w, l.name.size());
    type_w = std::max(type_w, l.type.size());
    shape_w = std::max(shape_w, shape_text(l).size());
  }
  const std::size_t width = name_w + type_w + shape_w + 12 + 6;
  std::ostringstream os;
  os << std::left << std::setw(name_w + 2) << "Layer" << std::setw(type_w + 2) << "Type"
     << std::setw(shape_w + 2) << "Output Shape" << std::right << std::setw(12) << "Param #"
     << "\n" << std::string(width, '=') << "\n";
  for (const auto& l : layers) {
    os << std::left << std::setw(name_w + 2) << l.name << std::setw(type_w + 2) << l.type
       << std::setw(shape_w + 2) << shape_text(l) << std::right << std::setw(12) << l.num_params
       << "\n";
  }
  os << std::string(width, '=') << "\n"
     << "Input shape: " << input_shape << "   Output shape: " << output_shape << "\n"
     << "Total params: " << total_params << "\n"
     << "Trainable params: " << trainable_params << "\n"
     << "Non-trainable params: " << (total_params - trainable_params) << "\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& stream, const ModelSummary& summary) {
  return stream << summary.to_string();
}

}  // namespace tg::nn
