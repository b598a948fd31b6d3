// Bad input to the nn modules (nn/modules/): bad options at construction and bad inputs to
// forward. Messages name the module.
#include "badinput/bad_input.h"

namespace tg::badinput {
namespace {

using namespace tg::nn;

std::vector<Row> module_rows() {
  const Tensor img = seq({1, 2, 4, 4});
  return {
      throws("Linear", "negative in_features", [] { Linear m(-1, 2); return none(); }, {"-1"}),
      throws("Linear", "input [2, 5] for in_features 3", [] { Linear m(3, 4); return m(zeros({2, 5})); },
             {"3", "[2, 5]"}),
      throws("Linear", "0-d input", [] { Linear m(1, 4); return m(vals({1.0}).reshape({})); }, {"[]"}),
      throws("Linear", "in_features 2^62 (weight too large)", [] { Linear m(kHuge, 4); return none(); },
             {"4611686018427387904"}).fix(),
      throws("Conv2d", "in_channels 0", [] { Conv2d m(Conv2dOptions(0, 3, 3)); return none(); }, {"0"}),
      throws("Conv2d", "groups 2 for 3 in channels",
             [] { Conv2d m(Conv2dOptions(3, 4, 3).groups(2)); return none(); }, {"groups"}),
      throws("Conv2d", "kernel 0", [] { Conv2d m(Conv2dOptions(2, 3, 0)); return none(); }, {"kernel_size"}),
      throws("Conv2d", "stride 0", [] { Conv2d m(Conv2dOptions(2, 3, 3).stride(0)); return none(); }, {"stride"}),
      throws("Conv2d", "negative padding", [] { Conv2d m(Conv2dOptions(2, 3, 3).padding(-1)); return none(); },
             {"padding"}),
      throws("conv_with_padding_mode", "Conv2d: input with 5 channels", [] { Conv2d m(Conv2dOptions(2, 3, 3)); return m(seq({1, 5, 4, 4})); },
             {"[1, 5, 4, 4]"}),
      throws("conv_with_padding_mode", "Conv2d: 2-D input", [] { Conv2d m(Conv2dOptions(2, 3, 3)); return m(seq({4, 4})); }, {"[4, 4]"}),
      throws("conv_with_padding_mode", "Conv1d: kernel larger than the input", [] { Conv1d m(Conv1dOptions(1, 1, 5)); return m(seq({1, 1, 4})); },
             {"[1, 1, 4]"}),
      throws("ConvTranspose2d", "output_padding 2 with stride 2",
             [] { ConvTranspose2d m(ConvTranspose2dOptions(2, 3, 3).stride(2).output_padding(2)); return none(); },
             {"output_padding"}),
      throws("conv_transpose2d", "ConvTranspose2d: input with 3 channels",
             [] { ConvTranspose2d m(ConvTranspose2dOptions(2, 3, 3)); return m(seq({1, 3, 4, 4})); }, {"[1, 3, 4, 4]"}),
      torch("Conv2d", "conv2d_unbatched", [=] {
        Conv2d m(Conv2dOptions(2, 3, 3).bias(false));
        NoGradGuard g;
        m->weight.fill_(Scalar(1.0));
        return m(img.select(0, 0)); }),
      throws("BatchNorm2d", "num_features 0", [] { BatchNorm2d m(0); return none(); }, {"0"}),
      throws("BatchNorm2d", "input with 4 channels", [] { BatchNorm2d m(3); return m(ones({2, 4, 2, 2})); },
             {"[2, 4, 2, 2]"}),
      throws("BatchNorm2d", "3-D input", [] { BatchNorm2d m(3); return m(ones({2, 3, 2})); }, {"[2, 3, 2]"}),
      throws("batch_norm", "BatchNorm1d: training on one value per channel", [] { BatchNorm1d m(3); return m(ones({1, 3})); },
             {"[1, 3]"}),
      throws("LayerNorm", "empty normalized_shape", [] { LayerNorm m(std::vector<int64_t>{}); return none(); },
             {"normalized_shape"}),
      throws("LayerNorm", "normalized_shape [0]", [] { LayerNorm m(std::vector<int64_t>{0}); return none(); },
             {"[0]"}),
      throws("layer_norm", "LayerNorm: input [2, 4] for normalized_shape [3]",
             [] { LayerNorm m(std::vector<int64_t>{3}); return m(ones({2, 4})); }, {"[3]", "[2, 4]"}),
      throws("GroupNorm", "3 channels in 2 groups", [] { GroupNorm m(2, 3); return none(); }, {"2", "3"}),
      throws("GroupNorm", "input with 6 channels for 4", [] { GroupNorm m(2, 4); return m(ones({2, 6, 2})); },
             {"[2, 6, 2]"}),
      throws("Dropout", "p 1.5", [] { Dropout m(1.5); return none(); }, {"1.5"}),
      throws("Dropout", "p -0.1", [] { Dropout m(-0.1); return none(); }, {"-0.1"}),
      throws("Dropout", "p NaN", [] { Dropout m(kNaN); return none(); }, {"nan"}),
      throws("Dropout", "int64 input", [] { Dropout m(0.5); return m(seq({3}, kInt64)); }, {"int64"}),
      throws("Dropout2d", "2-D input", [] { Dropout2d m(0.5); return m(ones({2, 3})); }, {"[2, 3]"}),
      torch("Dropout", "dropout_eval_nan", [] { Dropout m(0.5); m->eval(); return m(vals({kNaN, kInf})); }),
      torch("Dropout", "dropout_p1_train", [] { Dropout m(1.0); return m(vals({kInf, 2})); }),
      throws("MaxPool2d", "padding above half the kernel",
             [] { MaxPool2d m(MaxPool2dOptions(2).padding(2)); return none(); }, {"padding"}),
      throws("MaxPool2d", "kernel 0", [] { MaxPool2d m(MaxPool2dOptions(0)); return none(); }, {"kernel_size"}),
      throws("max_pool2d", "MaxPool2d: kernel 5 on 4x4", [=] { MaxPool2d m(MaxPool2dOptions(5)); return m(img); },
             {"[1, 2, 4, 4]"}),
      throws("AvgPool2d", "stride 0", [] { AvgPool2d m(AvgPool2dOptions(2).stride(0)); return none(); }, {"stride"}),
      throws("AdaptiveAvgPool2d", "output size -1", [=] { AdaptiveAvgPool2d m(AdaptiveAvgPool2dOptions({-1, 2})); return m(img); },
             {"-1"}),
      throws("max_unpool2d", "MaxUnpool2d: output_size of 3 values",
             [] { MaxUnpool2d m(MaxUnpool2dOptions(2)); return m(ones({1, 1, 1, 1}), zeros({1, 1, 1, 1}, kInt64),
                                                              std::vector<int64_t>{1, 2, 2}); },
             {"[1, 2, 2]"}),
      throws("max_unpool2d", "MaxUnpool2d: index past the output",
             [] { MaxUnpool2d m(MaxUnpool2dOptions(2)); return m(ones({1, 1, 1, 1}), vals({9}, {1, 1, 1, 1}, kInt64)); },
             {"9"}),
      throws("Upsample", "neither size nor scale_factor", [=] { Upsample m{UpsampleOptions()}; return m(img); },
             {"size", "scale_factor"}),
      throws("Upsample", "scale_factor NaN", [=] {
               Upsample m(UpsampleOptions().scale_factor(std::vector<double>{kNaN})); return m(img); }, {"nan"}),
      throws("softmax", "Softmax: dim 2 of a 2-D input", [] { Softmax m(2); return m(ones({2, 3})); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("log_softmax", "LogSoftmax: dim -3 of a 2-D input", [] { LogSoftmax m(-3); return m(ones({2, 3})); }, dim_out_of_range(-3, 2, "[2, 3]")),
      throws("Hardtanh", "min_val above max_val",
             [] { Hardtanh m(HardtanhOptions().min_val(1).max_val(-1)); return none(); }, {"min_val"}),
      throws("GELU", "unknown approximate", [] { GELU m(GELUOptions().approximate("fast")); return none(); },
             {"fast"}),
      throws("flatten", "Flatten: start_dim 3 of a 2-D input", [] { Flatten m(FlattenOptions().start_dim(3)); return m(ones({2, 3})); },
             dim_out_of_range(3, 2, "[2, 3]")),
      throws("unflatten", "Unflatten: sizes [2, 2] for a dim of 3", [] { Unflatten m(UnflattenOptions(1, {2, 2})); return m(ones({2, 3})); },
             {"[2, 2]"}),
      throws("Sequential", "forward of an empty Sequential", [] { Sequential s; return s->forward(ones({2})); },
             {"empty"}),
      throws("Sequential", "index 3 of 1", [] { Sequential s(Linear(2, 2)); (void)s[3]; return none(); }, {"3"}),
      throws("ModuleList", "index 5 of 0", [] { ModuleList l; (void)l[5]; return none(); }, {"5"}),
      throws("ModuleDict", "unknown key", [] { ModuleDict d; (void)d["missing"]; return none(); }, {"missing"}),
      throws("cross_entropy", "CrossEntropyLoss: target 5 of 3 classes",
             [] { CrossEntropyLoss m; return m(ones({2, 3}), vals({0, 5}, {2}, kInt64)); }, {"5"}),
      throws("mse_loss", "MSELoss: target [3] for input [2]", [] { MSELoss m; return m(ones({2}), ones({3})); },
             {"[2]", "[3]"}),
      throws("binary_cross_entropy", "BCELoss: input 2 outside [0, 1]", [] { BCELoss m; return m(vals({2}), vals({1})); }, {"between 0 and 1"}),
      throws("smooth_l1_loss", "SmoothL1Loss: negative beta",
             [] { SmoothL1Loss m(SmoothL1LossOptions().beta(-1)); return m(ones({2}), ones({2})); }, {"beta"}),
      torch("MSELoss", "mse_loss_empty", [] { MSELoss m; return m(seq({0}), seq({0})); }),
      torch("CrossEntropyLoss", "cross_entropy_all_ignored",
            [] { CrossEntropyLoss m; return m(seq({2, 3}), vals({-100, -100}, {2}, kInt64)); }),
  };
}

TEST(BadInput, Modules) { run_table("modules", module_rows()); }

}  // namespace
}  // namespace tg::badinput
