// nn::Module and its layers: registration, traversal, modes, dtype conversion, hooks,
// printing, summary, state_dict, holders and containers.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "nn/nn.h"
#include "optim/optim.h"
#include "tapegrad.h"

namespace tg {
namespace {

template <class F>
void expect_error_naming(F&& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected tg::Error mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace
namespace module_test {

// A model in the libtorch style: members are holders, assigned from register_module.
struct NetImpl : nn::Module {
  NetImpl() {
    features = register_module(
        "features", nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 6)));
    head = register_module("head", nn::Linear(nn::LinearOptions(6, 2).bias(false)));
    scale = register_parameter("scale", ones({1}));
    register_buffer("counter", zeros({1}));
    register_buffer("scratch", zeros({2}), /*persistent=*/false);
  }
  Tensor forward(const Tensor& x) { return head(features(x)) * scale; }
  nn::Sequential features = nullptr;
  nn::Linear head = nullptr;
  Tensor scale;
};
TG_MODULE(Net);

}  // namespace module_test
namespace {
using module_test::Net;
using module_test::NetImpl;

TEST(NnModule, NamedParametersUseDottedPaths) {
  Net net;
  const auto names = net->named_parameters().keys();
  const std::vector<std::string> expected = {"scale",           "features.0.weight",
                                             "features.0.bias", "features.2.weight",
                                             "features.2.bias", "head.weight"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(net->parameters().size(), 6u);
  EXPECT_EQ(net->parameters(/*recurse=*/false).size(), 1u);
  EXPECT_EQ(net->named_buffers().keys(), (std::vector<std::string>{"counter", "scratch"}));
  EXPECT_EQ(net->named_children().keys(), (std::vector<std::string>{"features", "head"}));
  EXPECT_EQ(net->named_modules().keys(),
            (std::vector<std::string>{"", "features", "features.0", "features.1", "features.2",
                                      "head"}));
  EXPECT_EQ(net->modules(/*include_self=*/false).size(), 5u);
  EXPECT_EQ(net->named_modules("net").keys()[1], "net.features");
  // Members and the registry share tensors.
  EXPECT_TRUE(net->named_parameters()["head.weight"].is_same(net->head->weight));
  for (const Tensor& p : net->parameters()) {
    EXPECT_TRUE(p.is_leaf());
    EXPECT_TRUE(p.requires_grad());
  }
}

TEST(NnModule, SharedLayersAndTiedWeightsAreListedOnce) {
  auto root = std::make_shared<nn::Module>();
  nn::Linear shared(3, 3);
  root->register_module("a", shared);
  root->register_module("b", shared);
  root->register_parameter("tied", shared->weight);
  EXPECT_EQ(root->named_parameters().keys(),
            (std::vector<std::string>{"tied", "a.bias"}));
  EXPECT_EQ(root->named_modules().keys(), (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(root->state_dict().size(), 5u);  // every name, as PyTorch's state_dict
  EXPECT_NO_THROW(optim::SGD(root->parameters(), optim::SGDOptions(0.1)));
}

TEST(NnModule, RegistrationErrors) {
  auto m = std::make_shared<nn::Module>();
  m->register_parameter("w", zeros({2}));
  expect_error_naming([&] { m->register_parameter("w", zeros({2})); }, "'w' is already");
  expect_error_naming([&] { m->register_buffer("w", zeros({2})); }, "register_buffer");
  expect_error_naming([&] { m->register_parameter("a.b", zeros({2})); }, "dot");
  expect_error_naming([&] { m->register_parameter("", zeros({2})); }, "empty");
  expect_error_naming([&] { m->register_module("w", nn::Linear(2, 2)); }, "already");
  expect_error_naming([&] { m->register_parameter("i", zeros({2}, kInt64)); }, "floating");
  expect_error_naming([&] { m->register_module("x", std::shared_ptr<nn::LinearImpl>()); }, "empty");
  expect_error_naming([&] { m->replace_module("nothing", nn::Linear(2, 2)); }, "nothing");
  // Integer buffers and parameters that do not require grad are fine.
  m->register_buffer("steps", zeros({1}, kInt64));
  m->register_parameter("frozen", ones({2}), /*requires_grad=*/false);
  EXPECT_FALSE(m->named_parameters()["frozen"].requires_grad());
  // A non-leaf becomes a detached leaf.
  Tensor base = ones({2}).requires_grad_(true);
  Tensor& p = m->register_parameter("derived", base * 2.0);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  // modules() with include_self needs shared ownership.
  nn::Module on_stack;
  expect_error_naming([&] { on_stack.modules(); }, "shared_ptr");
  EXPECT_TRUE(on_stack.modules(false).empty());
}

TEST(NnModule, TrainEvalAndDropout) {
  nn::Sequential seq(nn::Linear(4, 4), nn::Dropout(0.5));
  EXPECT_TRUE(seq->is_training());
  seq->eval();
  for (const auto& m : seq->modules()) EXPECT_FALSE(m->is_training());
  Tensor x = ones({3, 4});
  EXPECT_TRUE(allclose(seq(x), seq->at<nn::LinearImpl>(0).forward(x)));
  seq->train();
  EXPECT_TRUE(seq->ptr(1)->is_training());
}

TEST(NnModule, ZeroGrad) {
  nn::Linear fc(3, 2);
  fc(ones({1, 3})).sum().backward();
  ASSERT_TRUE(fc->weight.grad().defined());
  fc->zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(fc->weight.grad().defined());
  EXPECT_EQ(fc->weight.grad().abs().sum().item<double>(), 0.0);
  fc->zero_grad();
  EXPECT_FALSE(fc->weight.grad().defined());
  EXPECT_FALSE(fc->bias.grad().defined());
}

TEST(NnModule, ToDtypeKeepsHandlesAndLeaves) {
  Net net;
  Tensor w = net->head->weight;  // a handle taken before the conversion
  optim::SGD sgd(net->parameters(), optim::SGDOptions(0.1));
  net->features(ones({1, 4})).sum().backward();
  net->to(kFloat64);
  EXPECT_EQ(w.dtype(), kFloat64);
  for (const Tensor& p : net->parameters()) {
    EXPECT_EQ(p.dtype(), kFloat64);
    EXPECT_TRUE(p.is_leaf());
    EXPECT_TRUE(p.requires_grad());
  }
  EXPECT_EQ(net->named_buffers()["counter"].dtype(), kFloat64);
  EXPECT_EQ(net->features->at<nn::LinearImpl>(0).weight.grad().dtype(), kFloat64);
  // The model runs in float64 and the optimizer, built before, still updates it.
  sgd.zero_grad();
  Tensor y = net->forward(ones({2, 4}, kFloat64));
  EXPECT_EQ(y.dtype(), kFloat64);
  y.sum().backward();
  const double before = w.sum().item<double>();
  sgd.step();
  EXPECT_NE(w.sum().item<double>(), before);
  expect_error_naming([&] { net->to(kInt64); }, "floating");
}

TEST(NnModule, ApplyVisitsEveryModule) {
  Net net;
  int count = 0;
  net->apply([&](nn::Module& m) {
    ++count;
    if (auto* linear = m.as<nn::Linear>()) nn::init::zeros_(linear->weight);
  });
  EXPECT_EQ(count, 6);
  EXPECT_EQ(net->head->weight.abs().sum().item<double>(), 0.0);
  std::vector<std::string> names;
  net->apply([&](const std::string& name, nn::Module&) { names.push_back(name); });
  EXPECT_EQ(names[2], "features.0");
  EXPECT_NE(net->as<NetImpl>(), nullptr);
  EXPECT_EQ(net->as<nn::LinearImpl>(), nullptr);
}

TEST(NnModule, ForwardHooks) {
  nn::Linear fc(2, 2);
  int pre_calls = 0, post_calls = 0;
  auto pre = fc->register_forward_pre_hook([&](nn::Module&, const Tensor& x) {
    ++pre_calls;
    return x * 0.0;  // replaces the input
  });
  auto post = fc->register_forward_hook([&](nn::Module& m, const Tensor&, const Tensor& y) {
    ++post_calls;
    EXPECT_EQ(&m, fc.get());
    return y + 1.0;  // replaces the output
  });
  Tensor y = fc(ones({1, 2}));
  EXPECT_EQ(pre_calls, 1);
  EXPECT_EQ(post_calls, 1);
  EXPECT_TRUE(allclose(y, fc->bias.detach().unsqueeze(0) + 1.0));
  fc->forward(ones({1, 2}));  // calling forward() directly bypasses hooks, as in PyTorch
  EXPECT_EQ(pre_calls, 1);
  // Hooks also run for modules called by a container.
  nn::Sequential seq(fc, nn::ReLU());
  seq(ones({1, 2}));
  EXPECT_EQ(post_calls, 2);
  EXPECT_TRUE(pre.active());
  pre.remove();
  post.remove();
  EXPECT_EQ(pre_calls, 2);
  EXPECT_FALSE(pre.active());
  fc(ones({1, 2}));
  EXPECT_EQ(pre_calls, 2);
  EXPECT_EQ(post_calls, 2);
  EXPECT_FALSE(fc->has_forward_hooks());
  // A hook returning an undefined tensor leaves the output alone.
  fc->register_forward_hook([](nn::Module&, const Tensor&, const Tensor&) { return Tensor(); });
  EXPECT_TRUE(allclose(fc(ones({1, 2})), fc->forward(ones({1, 2}))));
}

TEST(NnModule, PrettyPrintLikeLibtorch) {
  nn::Sequential seq(nn::Linear(3, 4), nn::ReLU(), nn::Dropout(0.25),
                     nn::Linear(nn::LinearOptions(4, 2).bias(false)), nn::LogSoftmax(1));
  EXPECT_EQ(printed(*seq),
            "tg::nn::Sequential(\n"
            "  (0): tg::nn::Linear(in_features=3, out_features=4, bias=true)\n"
            "  (1): tg::nn::ReLU()\n"
            "  (2): tg::nn::Dropout(p=0.25, inplace=false)\n"
            "  (3): tg::nn::Linear(in_features=4, out_features=2, bias=false)\n"
            "  (4): tg::nn::LogSoftmax(dim=1)\n"
            ")");
  Net net;
  std::ostringstream os;
  os << net;
  EXPECT_EQ(os.str(),
            "tg::module_test::NetImpl(\n"
            "  (features): tg::nn::Sequential(\n"
            "    (0): tg::nn::Linear(in_features=4, out_features=8, bias=true)\n"
            "    (1): tg::nn::ReLU()\n"
            "    (2): tg::nn::Linear(in_features=8, out_features=6, bias=true)\n"
            "  )\n"
            "  (head): tg::nn::Linear(in_features=6, out_features=2, bias=false)\n"
            ")");
  EXPECT_EQ(printed(*nn::Flatten()), "tg::nn::Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(printed(*nn::Unflatten(nn::UnflattenOptions(1, {2, 3}))), "tg::nn::Unflatten(dim=1, unflattened_size={2, 3})");
  EXPECT_EQ(printed(*nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))),
            "tg::nn::LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(printed(*nn::GELU(nn::GELUOptions().approximate("tanh"))),
            "tg::nn::GELU(approximate=tanh)");
  EXPECT_EQ(printed(*nn::ReLU6()), "tg::nn::ReLU6()");
  EXPECT_EQ(printed(*nn::Hardtanh(nn::HardtanhOptions().min_val(-2).max_val(3))),
            "tg::nn::Hardtanh(min_val=-2, max_val=3)");
}

TEST(NnModule, SummaryCountsWeights) {
  nn::Sequential mlp(nn::Flatten(), nn::Linear(784, 128), nn::ReLU(), nn::Dropout(0.2),
                     nn::Linear(128, 10));
  nn::ModelSummary s = nn::summary(mlp, {2, 1, 28, 28});
  EXPECT_EQ(s.total_params, 784 * 128 + 128 + 128 * 10 + 10);
  EXPECT_EQ(s.trainable_params, s.total_params);
  ASSERT_EQ(s.layers.size(), 5u);
  EXPECT_EQ(s.layers[0].name, "0");
  EXPECT_EQ(s.layers[0].type, "tg::nn::Flatten");
  EXPECT_EQ(s.layers[0].output_shape, Shape({2, 784}));
  EXPECT_EQ(s.layers[1].num_params, 784 * 128 + 128);
  EXPECT_EQ(s.layers[4].output_shape, Shape({2, 10}));
  EXPECT_EQ(s.output_shape, Shape({2, 10}));
  EXPECT_TRUE(mlp->is_training());  // the mode is restored
  EXPECT_FALSE(mlp->ptr(1)->has_forward_hooks());
  const std::string text = s.to_string();
  EXPECT_NE(text.find("Total params: 101770"), std::string::npos) << text;
  EXPECT_NE(text.find("[2, 128]"), std::string::npos) << text;

  // A custom model with a parameter of its own, through a holder.
  Net net;
  nn::ModelSummary ns = nn::summary(net, {3, 4});
  EXPECT_EQ(ns.total_params, 4 * 8 + 8 + 8 * 6 + 6 + 6 * 2 + 1);
  EXPECT_EQ(ns.layers[0].name, "(root)");
  EXPECT_EQ(ns.layers[0].num_params, 1);
  EXPECT_EQ(ns.output_shape, Shape({3, 2}));
}

TEST(NnModule, StateDictRoundTrip) {
  manual_seed(1);
  Net a;
  manual_seed(2);
  Net b;
  auto sd = a->state_dict();
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"scale", "counter", "features.0.weight",
                                                 "features.0.bias", "features.2.weight",
                                                 "features.2.bias", "head.weight"}));
  EXPECT_FALSE(sd["scale"].requires_grad());  // detached views of the live tensors
  Tensor b_weight = b->head->weight;
  const uint64_t version = b_weight.version();
  b->load_state_dict(sd);
  EXPECT_TRUE(b_weight.is_same(b->head->weight));  // values copied in place
  EXPECT_GT(b_weight.version(), version);
  EXPECT_TRUE(equal(b->head->weight, a->head->weight));
  EXPECT_TRUE(b->head->weight.requires_grad());
  Tensor x = randn({5, 4});
  EXPECT_TRUE(allclose(a->forward(x), b->forward(x)));
  // Loading from a float64 copy converts.
  auto sd64 = a->state_dict();
  for (auto& item : sd64) item.value() = item.value().to(kFloat64);
  b->load_state_dict(sd64);
  EXPECT_EQ(b->head->weight.dtype(), kFloat32);
}

TEST(NnModule, LoadStateDictErrorsNameTheKeys) {
  Net net;
  auto sd = net->state_dict();
  auto missing = sd;
  missing.erase("head.weight");
  expect_error_naming([&] { net->load_state_dict(missing); }, "missing keys: \"head.weight\"");
  net->load_state_dict(missing, /*strict=*/false);
  auto extra = sd;
  extra.insert("head.bias", zeros({2}));
  expect_error_naming([&] { net->load_state_dict(extra); }, "unexpected keys: \"head.bias\"");
  net->load_state_dict(extra, /*strict=*/false);
  auto wrong = sd;
  wrong["features.0.weight"] = zeros({8, 5});
  expect_error_naming([&] { net->load_state_dict(wrong); },
                      "features.0.weight (expected [8, 4], got [8, 5])");
  expect_error_naming([&] { net->load_state_dict(wrong, false); }, "size mismatch");
}

TEST(NnModule, HoldersBehaveLikeLibtorch) {
  nn::Linear empty = nullptr;
  EXPECT_TRUE(empty.is_empty());
  EXPECT_FALSE(static_cast<bool>(empty));
  expect_error_naming([&] { empty->forward(ones({1, 1})); }, "empty holder");
  empty = nn::Linear(2, 3);
  EXPECT_EQ(empty->options.out_features(), 3);
  nn::Linear shared = empty;  // copies share the module
  EXPECT_EQ(shared.get(), empty.get());
  std::shared_ptr<nn::LinearImpl> impl = std::make_shared<nn::LinearImpl>(2, 2);
  nn::Linear from_ptr = impl;
  EXPECT_EQ(from_ptr.get(), impl.get());
  nn::ReLU relu;  // default-constructible modules
  EXPECT_FALSE(relu.is_empty());
  std::ostringstream os;
  os << nn::Identity();
  EXPECT_EQ(os.str(), "tg::nn::Identity()");
}

TEST(NnContainers, Sequential) {
  nn::Sequential seq({{"fc1", nn::Linear(3, 4)}, {"act", nn::Tanh()}, {"fc2", nn::Linear(4, 1)}});
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"fc1", "act", "fc2"}));
  EXPECT_EQ(seq->at<nn::LinearImpl>(2).options.in_features(), 4);
  expect_error_naming([&] { seq->at<nn::LinearImpl>(1); }, "not the requested type");
  expect_error_naming([&] { seq->ptr(7); }, "out of range");
  seq->push_back(nn::Functional(tg::sigmoid));
  seq->push_back("scale", nn::Functional([](Tensor t) { return t * 2.0; }));
  EXPECT_EQ(seq->named_children().keys().back(), "scale");
  Tensor y = seq(ones({5, 3}));
  EXPECT_EQ(y.shape(), Shape({5, 1}));
  EXPECT_GT(y.min().item<double>(), 0.0);
  EXPECT_LT(y.max().item<double>(), 2.0);
  // Backward reaches every parameter.
  y.sum().backward();
  for (const Tensor& p : seq->parameters()) EXPECT_TRUE(p.grad().defined());
  auto more = nn::Sequential(nn::Functional(tg::leaky_relu, Scalar(0.5)));
  seq->extend(*more);
  EXPECT_EQ(seq->size(), 6u);
  int n = 0;
  for (const auto& m : *seq) n += m.ptr() != nullptr;
  EXPECT_EQ(n, 6);
  nn::Sequential none;
  expect_error_naming([&] { none(ones({1})); }, "empty");
}

TEST(NnContainers, ModuleList) {
  nn::ModuleList list(nn::Linear(2, 3), nn::ReLU());
  list->push_back(nn::Linear(3, 1));
  list->insert(1, nn::Dropout());
  EXPECT_EQ(list->size(), 4u);
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_NE(list->ptr<nn::DropoutImpl>(1), nullptr);
  EXPECT_EQ(list->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"}));
  Tensor x = ones({1, 2});
  for (const auto& m : *list) {
    if (auto* lin = m->as<nn::LinearImpl>()) x = lin->forward(x);
  }
  EXPECT_EQ(x.shape(), Shape({1, 1}));
  auto other = nn::ModuleList(nn::Tanh());
  list->extend(*other);
  EXPECT_EQ(list->size(), 5u);
  expect_error_naming([&] { list->insert(9, nn::Tanh()); }, "out of range");
}

TEST(NnContainers, ModuleDict) {
  nn::ModuleDict dict({{"encoder", nn::Linear(4, 2)}, {"decoder", nn::Linear(2, 4)}});
  EXPECT_EQ(dict->size(), 2u);
  EXPECT_TRUE(dict->contains("encoder"));
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"encoder", "decoder"}));
  EXPECT_EQ(dict->at<nn::LinearImpl>("decoder").options.out_features(), 4);
  dict->insert("act", nn::ReLU());
  expect_error_naming([&] { dict->insert("act", nn::ReLU()); }, "already");
  dict->update({{"act", std::make_shared<nn::TanhImpl>()}});
  EXPECT_NE(dict->named_children()["act"]->as<nn::TanhImpl>(), nullptr);
  EXPECT_EQ(dict->named_parameters().size(), 4u);
  auto popped = dict->pop("encoder");
  EXPECT_NE(popped->as<nn::Linear>(), nullptr);
  EXPECT_EQ(dict->named_parameters().keys(),
            (std::vector<std::string>{"decoder.weight", "decoder.bias"}));
  expect_error_naming([&] { (*dict)["nothing"]; }, "nothing");
  dict->clear();
  EXPECT_TRUE(dict->is_empty());
  EXPECT_TRUE(dict->children().empty());
}

TEST(NnLayers, LinearForwardAndDefaultInit) {
  manual_seed(5);
  nn::Linear fc(50, 30);
  const double bound = 1.0 / std::sqrt(50.0);
  EXPECT_LE(fc->weight.abs().max().item<double>(), bound);
  EXPECT_GT(fc->weight.abs().max().item<double>(), 0.9 * bound);
  EXPECT_LE(fc->bias.abs().max().item<double>(), bound);
  // Uniform(-b, b) has std b / sqrt(3).
  const auto w = fc->weight.to_vector<float>();
  double sq = 0;
  for (float v : w) sq += double(v) * v;
  EXPECT_NEAR(std::sqrt(sq / w.size()), bound / std::sqrt(3.0), 0.05 * bound);
  Tensor x = randn({7, 50});
  EXPECT_TRUE(allclose(fc(x), x.matmul(fc->weight.t()) + fc->bias, 1e-5, 1e-6));
  EXPECT_EQ(fc(randn({2, 3, 50})).shape(), Shape({2, 3, 30}));
  expect_error_naming([&] { fc(randn({7, 49})); }, "in_features=50");
  nn::Linear no_bias(nn::LinearOptions(3, 2).bias(false));
  EXPECT_EQ(no_bias->parameters().size(), 1u);
  EXPECT_FALSE(no_bias->bias.defined());
  EXPECT_FALSE(no_bias->state_dict().contains("bias"));
}

TEST(NnLayers, ShapeLayers) {
  Tensor x = randn({2, 3, 4, 5});
  EXPECT_EQ(nn::Flatten()(x).shape(), Shape({2, 60}));
  EXPECT_EQ(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(x).shape(),
            Shape({6, 4, 5}));
  EXPECT_EQ(nn::Unflatten(nn::UnflattenOptions(1, {3, 20}))(nn::Flatten()(x)).shape(), Shape({2, 3, 20}));
  EXPECT_TRUE(nn::Identity()(x).is_same(x));
}

TEST(NnLayers, ActivationsCallTheirOps) {
  manual_seed(2);
  Tensor x = randn({4, 6});
  EXPECT_TRUE(equal(nn::ReLU()(x), relu(x)));
  EXPECT_TRUE(equal(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(x),
                    leaky_relu(x, 0.2)));
  EXPECT_TRUE(equal(nn::ELU(nn::ELUOptions().alpha(0.5))(x), elu(x, 0.5)));
  EXPECT_TRUE(equal(nn::GELU()(x), gelu(x)));
  EXPECT_TRUE(equal(nn::GELU(nn::GELUOptions().approximate("tanh"))(x), gelu(x, "tanh")));
  EXPECT_TRUE(equal(nn::SiLU()(x), silu(x)));
  EXPECT_TRUE(equal(nn::Sigmoid()(x), sigmoid(x)));
  EXPECT_TRUE(equal(nn::Tanh()(x), tanh(x)));
  EXPECT_TRUE(equal(nn::Softmax(1)(x), softmax(x, 1)));
  EXPECT_TRUE(equal(nn::LogSoftmax(0)(x), log_softmax(x, 0)));
  Tensor wide = x * 5.0;
  EXPECT_TRUE(equal(nn::ReLU6()(wide), relu6(wide)));
  EXPECT_TRUE(equal(relu6(wide), clamp(wide, 0.0, 6.0)));
  EXPECT_TRUE(equal(nn::Hardtanh(nn::HardtanhOptions().min_val(-2).max_val(3))(wide),
                    clamp(wide, -2.0, 3.0)));
  expect_error_naming([&] { nn::GELU(nn::GELUOptions().approximate("fast")); }, "GELU");
  expect_error_naming([&] { nn::Hardtanh(nn::HardtanhOptions().min_val(2).max_val(1)); },
                      "Hardtanh");
  expect_error_naming([&] { hardtanh(x, 1.0, -1.0); }, "hardtanh");

  // inplace writes into the input and keeps autograd right.
  Tensor leaf = randn({5}).requires_grad_(true);
  Tensor h = leaf * 1.0;
  Tensor out = nn::ReLU(nn::ReLUOptions(true))(h);
  EXPECT_TRUE(out.is_same(h));
  Tensor h2 = leaf * 1.0;
  nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1).inplace(true))(h2);
  EXPECT_TRUE(allclose(h2, leaky_relu(leaf.detach(), 0.1)));
  (out.sum() + h2.sum()).backward();
  auto g = leaf.grad().to_vector<float>();
  auto v = leaf.detach().to_vector<float>();
  for (std::size_t i = 0; i < g.size(); ++i)
    EXPECT_FLOAT_EQ(g[i], (v[i] > 0 ? 1.0f : 0.0f) + (v[i] > 0 ? 1.0f : 0.1f));

  Tensor leaf2 = randn({6}).requires_grad_(true);
  Tensor h3 = leaf2 * 2.0;
  nn::ELU(nn::ELUOptions().inplace(true))(h3);
  h3.sum().backward();
  EXPECT_TRUE(allclose(leaf2.grad(), where(leaf2.detach() > 0, full({6}, 2.0),
                                           exp(leaf2.detach() * 2.0) * 2.0)));
}

TEST(NnLayers, Dropout) {
  manual_seed(11);
  nn::Dropout drop(0.3);
  Tensor x = ones({200, 100});
  Tensor y = drop(x);
  const double kept = (y > 0).to(kFloat64).mean().item<double>();
  EXPECT_NEAR(kept, 0.7, 0.02);
  EXPECT_NEAR(y.max().item<double>(), 1.0 / 0.7, 1e-6);
  EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.03);
  drop->eval();
  EXPECT_TRUE(drop(x).is_same(x));
  drop->train();
  EXPECT_EQ(nn::Dropout(1.0)(x).abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(nn::Dropout(0.0)(x).is_same(x));
  expect_error_naming([] { nn::Dropout(1.5); }, "between 0 and 1");
  // Gradients flow through the kept elements with the same scale.
  Tensor leaf = ones({50}).requires_grad_(true);
  Tensor out = nn::Dropout(0.5)(leaf);
  out.sum().backward();
  EXPECT_TRUE(allclose(leaf.grad(), out.detach()));
  Tensor leaf3 = ones({50}).requires_grad_(true);
  Tensor h = leaf3 * 3.0;
  Tensor same = nn::Dropout(nn::DropoutOptions(0.5).inplace(true))(h);
  EXPECT_TRUE(same.is_same(h));
  h.sum().backward();
  EXPECT_TRUE(allclose(leaf3.grad(), h.detach()));  // 3 * mask * 2 = h where kept

  nn::Dropout2d drop2d(0.5);
  Tensor z = drop2d(ones({8, 16, 3, 3}));
  Tensor per_channel = z.amax({2, 3});
  EXPECT_TRUE(equal(z.amin({2, 3}), per_channel));  // whole channels kept or dropped
  const double frac = (per_channel > 0).to(kFloat64).mean().item<double>();
  EXPECT_GT(frac, 0.3);
  EXPECT_LT(frac, 0.7);
  EXPECT_EQ(drop2d(ones({4, 6, 5})).shape(), Shape({4, 6, 5}));
  expect_error_naming([&] { drop2d(ones({4, 6})); }, "Dropout2d");
  drop2d->eval();
  Tensor w = ones({2, 2, 2, 2});
  EXPECT_TRUE(drop2d(w).is_same(w));
}

TEST(NnLayers, SequentialTrainsWithSGD) {
  manual_seed(4);
  nn::Sequential model(nn::Linear(2, 16), nn::Tanh(), nn::Linear(16, 1));
  Tensor x = randn({128, 2});
  Tensor target = (x.select(1, 0) * x.select(1, 1)).unsqueeze(1);
  optim::SGD sgd(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  double first = 0, last = 0;
  for (int i = 0; i < 300; ++i) {
    sgd.zero_grad();
    Tensor d = model(x) - target;
    Tensor loss = (d * d).mean();
    loss.backward();
    sgd.step();
    if (i == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, 0.2 * first);
}

}  // namespace
}  // namespace tg
