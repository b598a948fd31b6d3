// tapegrad-train: trains a CNN on Fashion-MNIST with a progress bar, evaluates it after
// every epoch, writes the training curve (CSV + PNG), the best checkpoint (safetensors)
// and a final confusion matrix. Same seed, same bits, whatever the thread count.
//
//   tapegrad-train                         # LeNet-5, 3 epochs
//   tapegrad-train --model cnn --epochs 5  # the classic two-conv network
//   tapegrad-train --model resnet18        # a zoo model (tg::nn::models), small-input variant
//   tapegrad-train --resume runs/last.safetensors
#include <CLI/CLI.hpp>
#include <autograd/profiler.h>
#include <tapegrad.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "checkpoint.h"
#include "data/dataloader.h"
#include "data/fashion_mnist.h"
#include "data/progress.h"
#include "models.h"
#include "parallel_job.h"
#include "report.h"

namespace nn = tg::nn;
namespace optim = tg::optim;
namespace data = tg::data;

namespace {

struct Options {
  std::string model = "lenet";
  std::string optimizer = "adam";
  double lr = 0;  // 0: the optimizer's default below
  double momentum = 0.9;
  double weight_decay = 0;
  std::string schedule = "onecycle";
  int64_t batch_size = 64;
  int64_t epochs = 3;
  int threads = 0;
  uint64_t seed = 1;
  int64_t limit_train = 0;
  int64_t limit_test = 0;
  bool augment = false;
  std::string data_dir = data::default_fashion_mnist_root();
  std::string out_dir = "runs";
  std::string resume;
  std::string export_weights;
  int64_t stop_after = 0;
  bool plain = false;
  bool profile = false;
  bool distributed = false;
  bool stop_on_nonfinite = false;
};

std::unique_ptr<optim::Optimizer> make_optimizer(const Options& o, std::vector<tg::Tensor> params) {
  if (o.optimizer == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions(o.lr).momentum(o.momentum)
                                                    .nesterov(o.momentum > 0)
                                                    .weight_decay(o.weight_decay));
  if (o.optimizer == "adam")
    return std::make_unique<optim::Adam>(params, optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  if (o.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(o.lr).weight_decay(
                                                      o.weight_decay > 0 ? o.weight_decay : 1e-2));
  throw tg::Error("tapegrad-train: unknown optimizer '" + o.optimizer + "' (sgd, adam, adamw)");
}

// A per-step schedule, so resuming can replay it exactly by counting steps.
std::unique_ptr<optim::LRScheduler> make_schedule(const Options& o, optim::Optimizer& opt,
                                                  int64_t steps_per_epoch) {
  const int64_t total = steps_per_epoch * o.epochs;
  if (o.schedule == "onecycle")
    return std::make_unique<optim::OneCycleLR>(
        opt, optim::OneCycleLROptions(o.lr, total).pct_start(0.25));
  if (o.schedule == "cosine")
    return std::make_unique<optim::CosineAnnealingLR>(opt, total);
  if (o.schedule == "none") return nullptr;
  throw tg::Error("tapegrad-train: unknown schedule '" + o.schedule + "' (onecycle, cosine, none)");
}

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  tg::Tensor confusion;  // [10, 10] int64, rows = true class
};

// Each rank evaluates every size()-th test batch; the sums are then combined.
Evaluation evaluate(const nn::AnyModule& model, const data::DataLoader& loader,
                    train::ParallelJob& job) {
  tg::NoGradGuard no_grad;
  model.ptr()->eval();
  Evaluation ev;
  ev.confusion = tg::zeros({10, 10}, tg::kInt64);
  int64_t* cm = ev.confusion.data_ptr<int64_t>();
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  int64_t batch_index = 0;
  for (const data::Example<>& b : loader.epoch(0)) {
    if (batch_index++ % job.size() != job.rank()) continue;
    tg::Tensor logits = model.forward(b.data);
    loss_sum += nn::functional::cross_entropy(logits, b.target,
                                              nn::functional::CrossEntropyFuncOptions().reduction(tg::kSum))
                    .item();
    std::vector<int64_t> pred = logits.argmax(1).to_vector<int64_t>();
    std::vector<int64_t> truth = b.target.to_vector<int64_t>();
    for (std::size_t i = 0; i < pred.size(); ++i) {
      correct += pred[i] == truth[i];
      ++cm[truth[i] * 10 + pred[i]];
    }
    seen += static_cast<int64_t>(pred.size());
  }
  model.ptr()->train();
  std::vector<double> totals{loss_sum, static_cast<double>(correct), static_cast<double>(seen)};
  job.sum(totals);
  job.sum(ev.confusion);
  loss_sum = totals[0];
  correct = static_cast<int64_t>(totals[1]);
  seen = static_cast<int64_t>(totals[2]);
  ev.loss = loss_sum / static_cast<double>(seen);
  ev.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
  return ev;
}

// Bilinear resizing of a normalised batch to size x size (for models that need larger
// images than 28x28).
data::Transform resize(int64_t size) {
  return [size](data::Example<> batch, tg::Generator&) {
    batch.data = nn::functional::interpolate(
        batch.data, nn::functional::InterpolateFuncOptions()
                        .size(std::vector<int64_t>{size, size})
                        .mode(tg::kBilinear)
                        .align_corners(false));
    return batch;
  };
}

// The zoo's names for --help, with the input size of those that are resized.
std::string zoo_help() {
  std::string text;
  for (const std::string& name : tg::nn::models::model_names()) {
    text += (text.empty() ? "" : ", ") + name;
    const int64_t size = train::model_input_size(name);
    if (size != 28)
      text += " (images resized to " + std::to_string(size) + "x" + std::to_string(size) + ")";
  }
  return text;
}

int run(const Options& o) {
  if (o.threads > 0) tg::set_num_threads(o.threads);
  tg::manual_seed(o.seed);
  train::ParallelJob job(o.distributed);
  std::ostream& out = job.out();  // rank 0 speaks for the job
  if (job.is_main()) std::filesystem::create_directories(o.out_dir);

  data::TensorDataset train_set = data::FashionMNIST(data::Split::Train, o.data_dir);
  data::TensorDataset test_set = data::FashionMNIST(data::Split::Test, o.data_dir);
  if (o.limit_train > 0) train_set = train_set.head(std::min(o.limit_train, train_set.size()));
  if (o.limit_test > 0) test_set = test_set.head(std::min(o.limit_test, test_set.size()));
  // Fashion-MNIST's pixel mean and standard deviation.
  data::Transform normalize = data::Normalize({0.2860}, {0.3530});
  const int64_t input_size = train::model_input_size(o.model);
  data::Transform test_tf = normalize;
  if (input_size != 28) test_tf = data::Compose({normalize, resize(input_size)});
  std::vector<data::Transform> train_steps;
  if (o.augment) train_steps = {data::RandomCrop(28, 2), data::RandomHorizontalFlip(0.5)};
  train_steps.push_back(test_tf);
  data::DataLoader train_loader(train_set, data::DataLoaderOptions(o.batch_size).shuffle(true).seed(o.seed),
                                data::Compose(train_steps));
  data::DataLoader test_loader(test_set, data::DataLoaderOptions(1000), test_tf);

  nn::AnyModule model = train::make_model(o.model);
  job.attach(model);
  out << "tapegrad-train: " << o.model << " on Fashion-MNIST (" << train_set.size()
            << " train / " << test_set.size() << " test images), " << o.optimizer << " lr "
            << o.lr << ", batch " << o.batch_size << ", " << o.epochs << " epochs, "
            << tg::get_num_threads() << " threads, seed " << o.seed;
  if (job.size() > 1) out << ", " << job.size() << " processes (batch " << o.batch_size / job.size() << " each)";
  if (input_size != 28) out << ", images resized to " << input_size << "x" << input_size;
  out << "\n" << nn::summary(model, {1, 1, input_size, input_size});

  auto opt = make_optimizer(o, model.ptr()->parameters());
  auto schedule = make_schedule(o, *opt, train_loader.num_batches());

  train::History history;
  int64_t start_epoch = 0;
  double best_accuracy = -1;
  if (!o.resume.empty()) {
    train::Checkpoint ck = train::load_checkpoint(o.resume, *model.ptr(), *opt);
    start_epoch = ck.epoch;
    best_accuracy = ck.best_accuracy;
    history = ck.history;
    tg::default_generator().set_state(ck.generator_state);
    if (schedule)
      for (int64_t s = 0; s < start_epoch * train_loader.num_batches(); ++s) schedule->step();
    out << "resumed from " << o.resume << " after epoch " << start_epoch << "\n";
  }

  Evaluation last_eval;
  for (int64_t epoch = start_epoch; epoch < o.epochs; ++epoch) {
    model.ptr()->train();
    tg::io::ProgressBar bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(o.epochs),
                            train_loader.num_batches(), out, o.plain);
    // --profile: the first epoch run, op by op (evaluation excluded).
    std::optional<tg::autograd::profile> prof;
    if (o.profile && epoch == start_epoch) prof.emplace();
    const auto t0 = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, step = 0;
    for (const data::Example<>& b : train_loader.epoch(epoch)) {
      opt->zero_grad();
      tg::Tensor images = job.local_rows(b.data), labels = job.local_rows(b.target);
      tg::Tensor logits = job.forward(model, images);
      tg::Tensor loss = nn::functional::cross_entropy(logits, labels);
      if (o.stop_on_nonfinite && !std::isfinite(loss.item())) {
        throw tg::Error(tg::format_message(
            "non-finite loss ", loss.item(), " at epoch ", epoch + 1, ", step ", step + 1, " of ",
            train_loader.num_batches(), "; stopped before that step updated the weights"));
      }
      loss.backward();
      opt->step();
      if (schedule) schedule->step();
      std::vector<double> step_totals{
          loss.item() * static_cast<double>(images.size(0)),
          static_cast<double>(tg::eq(logits.detach().argmax(1), labels).to(tg::kInt64).sum().item<int64_t>()),
          static_cast<double>(images.size(0))};
      job.sum(step_totals);
      loss_sum += step_totals[0];
      correct += static_cast<int64_t>(step_totals[1]);
      seen += static_cast<int64_t>(step_totals[2]);
      ++step;
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bar.update(step, {{"loss", train::fixed(loss_sum / static_cast<double>(seen), 4)},
                        {"acc", train::fixed(100.0 * static_cast<double>(correct) / static_cast<double>(seen), 2) + "%"},
                        {"img/s", train::fixed(static_cast<double>(seen) / std::max(secs, 1e-9), 0)}});
    }
    const double train_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bar.finish({{"loss", train::fixed(loss_sum / static_cast<double>(seen), 4)},
                {"acc", train::fixed(100.0 * static_cast<double>(correct) / static_cast<double>(seen), 2) + "%"}});
    if (prof) {
      prof->stop();
      out << "\nprofile of epoch " << epoch + 1 << " (forward ops, and vjps called by backward):\n"
                << prof->table("self", 30);
      if (job.is_main()) prof->export_chrome_trace(o.out_dir + "/profile.json");
      out << "wrote " << o.out_dir << "/profile.json (Chrome trace)\n";
      prof.reset();
    }
    last_eval = evaluate(model, test_loader, job);
    history.push_back({epoch + 1, loss_sum / static_cast<double>(seen),
                       static_cast<double>(correct) / static_cast<double>(seen), last_eval.loss,
                       last_eval.accuracy, train_secs, static_cast<double>(seen) / train_secs});
    out << "epoch " << epoch + 1 << ": test loss " << train::fixed(last_eval.loss, 4)
              << ", test accuracy " << train::fixed(100.0 * last_eval.accuracy, 2) << "%, "
              << train::fixed(train_secs, 1) << " s (" << train::fixed(history.back().images_per_second, 0)
              << " img/s)\n";
    train::Checkpoint ck{epoch + 1, std::max(best_accuracy, last_eval.accuracy), history,
                         tg::default_generator().get_state()};
    if (job.is_main()) {
      train::write_history_csv(o.out_dir + "/curve.csv", history);
      train::write_history_plot(o.out_dir + "/curve.png", history);
      train::save_checkpoint(o.out_dir + "/last.safetensors", *model.ptr(), *opt, ck);
      if (last_eval.accuracy > best_accuracy)
        train::save_checkpoint(o.out_dir + "/best.safetensors", *model.ptr(), *opt, ck);
    }
    best_accuracy = std::max(best_accuracy, last_eval.accuracy);
    if (o.stop_after > 0 && epoch + 1 >= o.stop_after) {
      out << "stopping after epoch " << epoch + 1 << " (resume with --resume "
                << o.out_dir << "/last.safetensors)\n";
      return 0;
    }
  }
  if (!last_eval.confusion.defined()) last_eval = evaluate(model, test_loader, job);
  train::print_confusion(out, last_eval.confusion);
  if (!o.export_weights.empty() && job.is_main()) nn::save(*model.ptr(), o.export_weights);
  out << "best test accuracy " << train::fixed(100.0 * best_accuracy, 2) << "%; wrote "
            << o.out_dir << "/{curve.csv,curve.png,best.safetensors,last.safetensors}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Train a CNN on Fashion-MNIST with tapegrad"};
  app.add_option("--model", o.model,
                 "lenet | cnn | resnet (built in), or a zoo model in its small-input variant: " +
                     zoo_help())
      ->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "sgd | adam | adamw")->capture_default_str();
  app.add_option("--lr", o.lr, "learning rate (default: 3e-3 for adam/adamw, 0.05 for sgd)");
  app.add_option("--momentum", o.momentum, "SGD momentum (Nesterov)")->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "weight decay")->capture_default_str();
  app.add_option("--schedule", o.schedule, "onecycle | cosine | none (stepped per batch)")
      ->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "images per batch")->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs")->capture_default_str();
  app.add_option("--threads", o.threads, "worker threads (default: TG_NUM_THREADS or all cores)");
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_flag("--augment", o.augment, "random crops and flips");
  app.add_option("--limit-train", o.limit_train, "use only the first N training images");
  app.add_option("--limit-test", o.limit_test, "use only the first N test images");
  app.add_option("--data-dir", o.data_dir, "directory with the IDX files")->capture_default_str();
  app.add_option("--out-dir", o.out_dir, "where to write curves and checkpoints")
      ->capture_default_str();
  app.add_option("--resume", o.resume, "checkpoint to resume from (model + optimizer + schedule)");
  app.add_option("--export-weights", o.export_weights,
                 "also save the final model's state_dict (.safetensors or .npz)");
  app.add_option("--stop-after", o.stop_after,
                 "stop after this epoch as if interrupted (the schedule still spans --epochs)");
  app.add_flag("--plain", o.plain, "plain progress lines even on a terminal");
  app.add_flag("--profile", o.profile,
               "profile the first epoch: per-op table, and <out-dir>/profile.json (Chrome trace)");
  app.add_flag("--distributed", o.distributed,
               "data-parallel over the processes of `mpirun -np K`: each takes 1/K of every batch");
  app.add_flag("--stop-on-nonfinite", o.stop_on_nonfinite,
               "stop with an error naming the step when the loss is NaN or infinite");
  CLI11_PARSE(app, argc, argv);
  if (!train::is_model_name(o.model)) {
    std::cerr << "tapegrad-train: unknown model '" << o.model << "'; valid names: "
              << train::model_name_list() << "\n";
    return 2;
  }
  if (o.lr == 0) o.lr = o.optimizer == "sgd" ? 0.05 : 3e-3;
  try {
    return run(o);
  } catch (const std::exception& e) {
    if (o.distributed) train::ParallelJob::abort_job_if_distributed(e.what());
    std::cerr << "tapegrad-train: " << e.what() << "\n";
    return 1;
  }
}
